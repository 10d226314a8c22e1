//! A webhook endpoint on the standard library alone: a thread per connection, one
//! `POST /webhook` route, HTTP/1.1 with `Content-Length` bodies, `Connection: close`.
//!
//! Shared by the `std_net` example, the quickstart, the alerting example and the end-to-end
//! tests (each includes this file with `#[path]`).
#![allow(dead_code)] // each includer uses a different part

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use pollster::block_on;
use stripe_webhooks::dispatch::{Dispatcher, Handler};
use stripe_webhooks::store::DedupStore;
use stripe_webhooks::Error;

/// The longest request head (request line and headers) read before refusing the request.
pub(crate) const MAX_HEAD: usize = 16 * 1024;

/// Accepts connections until the listener fails, each on its own thread.
pub(crate) fn serve<H, D>(listener: TcpListener, dispatcher: Arc<Dispatcher<H, D>>)
where
    H: Handler + 'static,
    D: DedupStore + 'static,
{
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let dispatcher = dispatcher.clone();
        std::thread::spawn(move || {
            // A broken connection only ends that connection.
            let _ = handle(stream, &dispatcher);
        });
    }
}

/// Binds `addr` (port 0 for any free port) and serves on a background thread.
pub(crate) fn spawn<H, D>(
    addr: &str,
    dispatcher: Arc<Dispatcher<H, D>>,
) -> io::Result<std::net::SocketAddr>
where
    H: Handler + 'static,
    D: DedupStore + 'static,
{
    let listener = TcpListener::bind(addr)?;
    let local = listener.local_addr()?;
    std::thread::spawn(move || serve(listener, dispatcher));
    Ok(local)
}

/// The parts of a request the endpoint needs.
struct Head {
    method: String,
    path: String,
    content_length: Option<usize>,
    chunked: bool,
    signatures: Vec<String>,
}

fn handle<H: Handler, D: DedupStore>(
    stream: TcpStream,
    dispatcher: &Dispatcher<H, D>,
) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut stream = stream;
    let head = match read_head(&mut reader)? {
        Ok(head) => head,
        Err((status, message)) => return respond(&mut stream, status, message),
    };
    if head.path != "/webhook" {
        return respond(&mut stream, 404, "not found: POST to /webhook");
    }
    if head.method != "POST" {
        return respond(&mut stream, 405, "method not allowed: POST to /webhook");
    }
    if head.chunked {
        return respond(&mut stream, 411, "length required: send Content-Length");
    }
    let Some(length) = head.content_length else {
        return respond(&mut stream, 411, "length required: send Content-Length");
    };
    // Refuse an oversize body before reading it.
    if length > dispatcher.get_max_body_size() {
        let outcome = dispatcher.reject(Error::BodyTooLarge {
            len: length,
            max: dispatcher.get_max_body_size(),
        });
        respond(&mut stream, outcome.status(), &outcome.to_string())?;
        // Closing with the body unread would reset the connection, and the client could lose
        // the answer before reading it: finish sending, then discard what it still sends (a
        // bounded amount, within the read timeout) before closing.
        stream.shutdown(std::net::Shutdown::Write)?;
        let unread = length.min(DRAIN_LIMIT) as u64;
        io::copy(&mut reader.take(unread), &mut io::sink())?;
        return Ok(());
    }
    // The raw bytes, exactly as received: the signature covers them byte for byte.
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let outcome = if head.signatures.len() > 1 {
        dispatcher.reject(Error::HeaderRepeated {
            count: head.signatures.len(),
        })
    } else {
        block_on(dispatcher.dispatch(&body, head.signatures.first().map(String::as_str)))
    };
    respond(&mut stream, outcome.status(), &outcome.to_string())
}

/// The most of a refused oversize body read (and discarded) before closing.
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

type Refusal = (u16, &'static str);

fn read_head(reader: &mut impl BufRead) -> io::Result<Result<Head, Refusal>> {
    let mut head = Head {
        method: String::new(),
        path: String::new(),
        content_length: None,
        chunked: false,
        signatures: Vec::new(),
    };
    let mut read = 0;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let n = reader
            .by_ref()
            .take((MAX_HEAD - read + 1) as u64)
            .read_until(b'\n', &mut line)?;
        read += n;
        if n == 0 {
            return Ok(Err((400, "incomplete request")));
        }
        if read > MAX_HEAD {
            return Ok(Err((431, "request header fields too large")));
        }
        let Ok(line) = std::str::from_utf8(&line) else {
            return Ok(Err((400, "request head is not UTF-8")));
        };
        let line = line.trim_end_matches(['\r', '\n']);
        if first {
            first = false;
            let mut parts = line.split(' ');
            head.method = parts.next().unwrap_or_default().to_owned();
            head.path = parts.next().unwrap_or_default().to_owned();
            continue;
        }
        if line.is_empty() {
            return Ok(Ok(head));
        }
        let Some((name, value)) = line.split_once(':') else {
            return Ok(Err((400, "malformed header line")));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => match value.parse() {
                Ok(length) if head.content_length.is_none() => head.content_length = Some(length),
                _ => return Ok(Err((400, "bad or repeated Content-Length"))),
            },
            "transfer-encoding" => head.chunked = true,
            "stripe-signature" => head.signatures.push(value.to_owned()),
            _ => {}
        }
    }
}

fn respond(stream: &mut TcpStream, status: u16, body: &str) -> io::Result<()> {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}
