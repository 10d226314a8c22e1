//! [`Pages`]: a Stripe list, fetched a page at a time (`starting_after` the last id) as it
//! is read.

use std::collections::VecDeque;

use reqwest::Method;
use serde::Deserialize;
use serde_json::value::RawValue;

use super::form::Form;
use super::{ApiError, Client};

/// The most objects Stripe returns in one page.
pub const MAX_PAGE_SIZE: u8 = 100;

/// How an item of one list is read from its JSON, and what its id is.
pub(crate) struct Item<T> {
    pub(crate) parse: fn(&RawValue) -> Result<T, String>,
    pub(crate) id: fn(&T) -> &str,
}

/// The items of a Stripe list, every page of it: [`next`](Pages::next) item by item, or
/// [`next_page`](Pages::next_page), or [`collect`](Pages::collect) up to a bound. A page is
/// fetched only when the previous one has been read.
pub struct Pages<T> {
    client: Client,
    path: &'static str,
    query: Form,
    page_size: u8,
    item: Item<T>,
    /// The id to continue after; `None` before the first page.
    after: Option<String>,
    done: bool,
    buffered: VecDeque<T>,
}

impl<T> Pages<T> {
    pub(crate) fn new(
        client: Client,
        path: &'static str,
        query: Form,
        page_size: u8,
        item: Item<T>,
    ) -> Pages<T> {
        Pages {
            client,
            path,
            query,
            page_size: page_size.clamp(1, MAX_PAGE_SIZE),
            item,
            after: None,
            done: false,
            buffered: VecDeque::new(),
        }
    }

    /// The next item, fetching the next page when this one is used up; `None` at the end.
    ///
    /// # Errors
    ///
    /// As [`next_page`](Pages::next_page).
    pub async fn next(&mut self) -> Result<Option<T>, ApiError> {
        if self.buffered.is_empty() {
            if let Some(page) = self.fetch().await? {
                self.buffered.extend(page);
            }
        }
        Ok(self.buffered.pop_front())
    }

    /// The rest of the current page if [`next`](Pages::next) started it, else the next page;
    /// `None` at the end.
    ///
    /// # Errors
    ///
    /// An [`ApiError`] from the call, or [`ApiError::Decode`] for a page that is not a list
    /// of these objects, or that does not move past the previous one.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, ApiError> {
        if !self.buffered.is_empty() {
            return Ok(Some(self.buffered.drain(..).collect()));
        }
        self.fetch().await
    }

    /// Every remaining item, at most `max` of them.
    ///
    /// # Errors
    ///
    /// [`ApiError::TooMany`] if the list has more than `max` items (nothing more is fetched
    /// once it has), or as [`next_page`](Pages::next_page).
    pub async fn collect(mut self, max: usize) -> Result<Vec<T>, ApiError> {
        let mut all = Vec::new();
        while let Some(page) = self.next_page().await? {
            if all.len() + page.len() > max {
                return Err(ApiError::TooMany {
                    what: self.path.trim_start_matches("/v1/"),
                    max,
                });
            }
            all.extend(page);
        }
        Ok(all)
    }

    async fn fetch(&mut self) -> Result<Option<Vec<T>>, ApiError> {
        #[derive(Deserialize)]
        struct Page<'a> {
            #[serde(borrow)]
            data: Vec<&'a RawValue>,
            has_more: bool,
        }
        if self.done {
            return Ok(None);
        }
        let mut query = self.query.clone();
        query.push("limit", self.page_size.to_string());
        if let Some(after) = &self.after {
            query.push("starting_after", after.as_str());
        }
        let (item, after) = (&self.item, self.after.as_deref());
        // The page is read once, from the answer's bytes: each item is kept as its raw JSON
        // until `parse` reads it.
        let (items, has_more) = self
            .client
            .call_with(Method::GET, self.path, &query, |body| {
                let page: Page<'_> =
                    serde_json::from_slice(body).map_err(|error| error.to_string())?;
                let items = page
                    .data
                    .iter()
                    .map(|raw| (item.parse)(raw))
                    .collect::<Result<Vec<T>, String>>()?;
                if let Some(last) = items.last().map(item.id) {
                    if after == Some(last) {
                        return Err(format!("the page after `{last}` ends with `{last}` again"));
                    }
                }
                Ok((items, page.has_more))
            })
            .await?;
        match items.last() {
            // A list that says there is more but gives nothing would be asked again forever.
            None => self.done = true,
            Some(last) => {
                self.after = Some((self.item.id)(last).to_owned());
                self.done = !has_more;
            }
        }
        Ok((!items.is_empty()).then_some(items))
    }
}

impl<T> std::fmt::Debug for Pages<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("path", &self.path)
            .field("after", &self.after)
            .field("done", &self.done)
            .field("buffered", &self.buffered.len())
            .finish_non_exhaustive()
    }
}
