//! Push notices about events (docs/design.md §8): the reminders the day and the hour before it
//! starts, for members with a seat, and the news of a significant change — its time, its place,
//! its cancellation — for those it concerns. They go through the push outbox like messages' notices,
//! to members whose app is closed (an open app shows the change itself).

use tsunagu_core::api::{EventNotice, PushNotice};
use tsunagu_core::event::{Event, EventChange, EventStatus, SeatStatus};
use tsunagu_core::ids::DocumentId;

use super::store::{self, SeatRow};
use crate::db;
use crate::error::Error;
use crate::reactions::Job;
use crate::scribe::Scribe;

/// The day-before reminder goes 24 hours before the start.
const DAY: i64 = 24 * 60 * 60;
/// The hour-before reminder goes an hour before.
const HOUR: i64 = 60 * 60;
/// An event less than this far off when the day-before reminder would go gets only the
/// hour-before one: two reminders minutes apart say nothing the first did not.
const NO_DAY_REMINDER_WITHIN: i64 = 2 * HOUR;

/// What an attendee is told of an edit to a published event, if anything.
pub(crate) fn notice_of(event: &Event, before: &Event) -> Option<EventNotice> {
    if !before.status().is_public() {
        return None;
    }
    let changes = event.changes_since(before);
    let has = |c: EventChange| changes.contains(&c);
    if has(EventChange::Cancelled) {
        return Some(EventNotice::Cancelled);
    }
    if event.status() == EventStatus::Cancelled {
        return None;
    }
    match (has(EventChange::Time), has(EventChange::Place)) {
        (true, true) => Some(EventNotice::TimeAndPlaceChanged),
        (true, false) => Some(EventNotice::TimeChanged),
        (false, true) => Some(EventNotice::PlaceChanged),
        (false, false) => None,
    }
}

/// Tells the members `seats` concerns that `event` (document `doc`) changed as `about` says:
/// those with a seat, and when it is cancelled those waiting for one too. `seats` are the seats
/// as they stood before the edit (a cancellation gives them up).
pub(crate) async fn changed(
    s: &mut Scribe<'_>,
    doc: DocumentId,
    event: &Event,
    about: EventNotice,
    seats: &[SeatRow],
) -> Result<(), Error> {
    let told: Vec<&str> = seats
        .iter()
        .filter(|seat| match seat.status {
            SeatStatus::Confirmed => true,
            SeatStatus::Waiting => about == EventNotice::Cancelled,
            SeatStatus::Declined | SeatStatus::Refused => false,
        })
        .map(|seat| seat.user.as_str())
        .collect();
    let notice = PushNotice::Event {
        event: doc,
        title: event.title.clone(),
        starts_at: event.starts_at,
        about,
    };
    crate::push::queue(s, told, &notice).await
}

/// The reminder due now for an event starting at `starts_at`, if any.
fn due(starts_at: i64, now: i64) -> Option<EventNotice> {
    let left = starts_at - now;
    if left <= 0 {
        None
    } else if left <= HOUR {
        Some(EventNotice::HourBefore)
    } else if left <= DAY && left > NO_DAY_REMINDER_WITHIN {
        Some(EventNotice::DayBefore)
    } else {
        None
    }
}

/// Sends the reminders that are due, once each per event and start time (an event moved later
/// is reminded of again at its new time). The relay runs it every minute.
#[derive(Debug)]
pub(crate) struct Remind;

impl Job for Remind {
    async fn run(self, s: &mut Scribe<'_>) -> Result<(), Error> {
        let now = s.now();
        let soon: Vec<(String, i64)> = sqlx::query_as(
            "SELECT doc, starts_at FROM events
              WHERE status = $1 AND starts_at > $2 AND starts_at <= $3 ORDER BY starts_at",
        )
        .bind(EventStatus::Published.key())
        .bind(now)
        .bind(now + DAY)
        .fetch_all(s.conn())
        .await?;
        for (doc, starts_at) in soon {
            let Some(about) = due(starts_at, now) else {
                continue;
            };
            let kind = serde_json::to_value(about)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let first = sqlx::query(
                "INSERT INTO event_reminders (event, kind, starts_at, sent_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .bind(&doc)
            .bind(&kind)
            .bind(starts_at)
            .bind(now)
            .execute(s.conn())
            .await?
            .rows_affected()
                == 1;
            if !first {
                continue;
            }
            let doc = db::document_id(&doc)?;
            let Some(row) = store::event(s.conn(), &doc).await? else {
                continue;
            };
            let seats = store::seats(s.conn(), &doc).await?;
            changed(s, doc, &row.event, about, &seats).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_is_due_the_day_before_and_the_hour_before_and_never_twice_at_once() {
        let start = 1_900_000_000;
        assert_eq!(due(start, start - DAY - 1), None);
        assert_eq!(due(start, start - DAY), Some(EventNotice::DayBefore));
        assert_eq!(due(start, start - 3 * HOUR), Some(EventNotice::DayBefore));
        assert_eq!(due(start, start - NO_DAY_REMINDER_WITHIN), None);
        assert_eq!(due(start, start - HOUR), Some(EventNotice::HourBefore));
        assert_eq!(due(start, start - 60), Some(EventNotice::HourBefore));
        assert_eq!(due(start, start), None, "it has started");
    }

    #[test]
    fn only_time_place_and_cancellation_of_a_published_event_are_news() {
        let before = Event {
            status: EventStatus::Published.key().into(),
            starts_at: 1_900_000_000,
            ends_at: 1_900_007_200,
            ..Event::default()
        };
        let edit = |f: fn(&mut Event)| {
            let mut after = before.clone();
            f(&mut after);
            notice_of(&after, &before)
        };
        assert_eq!(edit(|e| e.title = "新しい題".into()), None);
        assert_eq!(edit(|e| e.description = "詳細".into()), None);
        assert_eq!(
            edit(|e| e.starts_at += 3600),
            Some(EventNotice::TimeChanged)
        );
        assert_eq!(edit(|e| e.online = true), Some(EventNotice::PlaceChanged));
        assert_eq!(
            edit(|e| {
                e.starts_at += 3600;
                e.online = true;
            }),
            Some(EventNotice::TimeAndPlaceChanged)
        );
        assert_eq!(
            edit(|e| e.status = EventStatus::Cancelled.key().into()),
            Some(EventNotice::Cancelled)
        );
        let draft = Event {
            status: EventStatus::Draft.key().into(),
            ..before.clone()
        };
        let mut moved = draft.clone();
        moved.starts_at += 3600;
        assert_eq!(notice_of(&moved, &draft), None, "a draft is nobody's news");
    }
}
