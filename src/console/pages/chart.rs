//! Deliveries and failures per hour as an inline SVG: no script, no library, readable by a
//! screen reader through its label and each bar's title.

use maud::{html, Markup};

use crate::inbox::Hour;

const WIDTH: u32 = 384;
const HEIGHT: u32 = 80;
/// Room under the bars for the hour labels.
const AXIS: u32 = 14;

pub(crate) fn hours(hours: &[Hour]) -> Markup {
    let deliveries: u64 = hours.iter().map(|hour| hour.deliveries).sum();
    let failures: u64 = hours.iter().map(|hour| hour.failures).sum();
    let top = hours
        .iter()
        .map(|hour| hour.deliveries.max(hour.failures))
        .max()
        .unwrap_or(0)
        .max(1);
    let slot = WIDTH / u32::try_from(hours.len().max(1)).unwrap_or(1);
    let bar = slot.saturating_sub(2).max(1);
    let height = |count: u64| -> u32 {
        // At least one pixel for an hour that had any, so it never looks empty.
        let scaled = count.saturating_mul(u64::from(HEIGHT)) / top;
        u32::try_from(scaled)
            .unwrap_or(HEIGHT)
            .max(u32::from(count > 0))
    };
    let label = format!(
        "Deliveries and failed handler runs per hour over the last {} hours: {deliveries} \
         deliveries, {failures} failures.",
        hours.len()
    );
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(label)
            width=(WIDTH) height=(HEIGHT + AXIS) viewBox={ "0 0 " (WIDTH) " " (HEIGHT + AXIS) } {
            line x1="0" y1=(HEIGHT) x2=(WIDTH) y2=(HEIGHT) {}
            @for (index, hour) in hours.iter().enumerate() {
                @let x = u32::try_from(index).unwrap_or(0) * slot;
                @let title = format!("{:02}:00 UTC: {} deliveries, {} failures", hour.start.hour(), hour.deliveries, hour.failures);
                g {
                    title { (title) }
                    rect.deliveries x=(x) y=(HEIGHT - height(hour.deliveries)) width=(bar) height=(height(hour.deliveries)) {}
                    rect.failures x=(x + bar / 2) y=(HEIGHT - height(hour.failures)) width=((bar / 2).max(1)) height=(height(hour.failures)) {}
                }
                // Every sixth hour named, and the last one.
                @if index + 1 == hours.len() {
                    text x=(WIDTH) y=(HEIGHT + AXIS - 2) text-anchor="end" aria-hidden="true" { "now" }
                } @else if index % 6 == 0 {
                    text x=(x) y=(HEIGHT + AXIS - 2) aria-hidden="true" { (format!("{:02}:00", hour.start.hour())) }
                }
            }
        }
        p.muted { (deliveries) " deliveries · " (failures) " failures" }
    }
}
