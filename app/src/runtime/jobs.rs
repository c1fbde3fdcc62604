//! The runtime's part for job applications (docs/design.md §13): the person's applications
//! document is kept on the device like their RSVPs and read into
//! [`Signals::applications`](crate::state::Signals::applications), so an application written on
//! the train is kept, shown as sending, and sent when the relay is reachable; where each stands
//! (応募済, 書類選考, 面接, …, with its date) arrives as the relay writes it. For those who post
//! openings, each opening's notes document (what recruiters note about its applicants) is kept
//! too and read into [`Signals::job_notes`](crate::state::Signals::job_notes).

use std::collections::BTreeMap;

use leptos::prelude::*;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::job_application::{JobApplication, JobApplications, JobNotes, Note, Referral};

use super::{Runtime, log};
use crate::error::AppError;

impl Runtime {
    /// Forgets what was read from applications and notes (the person or their grants changed).
    pub(super) fn reset_jobs(&self) {
        self.signals.applications.set(JobApplications::default());
        self.signals.job_notes.set(BTreeMap::new());
    }

    /// Reads again the person's applications and the openings' notes among `docs`; returns the
    /// other documents.
    pub(super) fn refresh_jobs(&self, docs: Vec<DocumentId>) -> Vec<DocumentId> {
        let (mine, notes_of): (Option<DocumentId>, BTreeMap<DocumentId, DocumentId>) =
            self.signals.me.with_untracked(|me| match me {
                Some(me) => (
                    me.applications_doc,
                    me.news
                        .iter()
                        .filter_map(|r| r.notes.map(|n| (n, r.post)))
                        .collect(),
                ),
                None => (None, BTreeMap::new()),
            });
        let engine = self.docs.engine();
        let arrived = |doc: &DocumentId| super::documents::arrived(&engine, doc);
        let mut rest = Vec::new();
        for doc in docs {
            if Some(doc) == mine {
                match arrived(&doc).map(JobApplications::read) {
                    Some(Ok(read)) if self.signals.applications.with_untracked(|a| *a != read) => {
                        self.signals.applications.set(read);
                    }
                    Some(Ok(_)) | None => {}
                    Some(Err(e)) => log(&format!("{doc} is not a readable applications: {e}")),
                }
            } else if let Some(post) = notes_of.get(&doc) {
                match arrived(&doc).map(JobNotes::read) {
                    Some(Ok(read)) => self.signals.job_notes.update(|all| {
                        all.insert(*post, read);
                    }),
                    Some(Err(e)) => log(&format!("{doc} is not a readable notes document: {e}")),
                    None => {}
                }
            } else {
                rest.push(doc);
            }
        }
        rest
    }

    /// Applies for the opening `post`: one change to the person's applications document, on
    /// this device at once and sent when the relay is reachable.
    pub fn apply_for(
        &self,
        post: DocumentId,
        application: &JobApplication,
    ) -> Result<(), AppError> {
        if let Some(problem) = application.problem() {
            return Err(AppError::LocalEdit(problem.into()));
        }
        let doc = self.own_doc(|m| m.applications_doc)?;
        let key = post.to_string();
        let applied = self
            .signals
            .applications
            .with_untracked(|a| a.applications.contains_key(&key));
        if applied {
            return Ok(());
        }
        let application = JobApplication {
            at: super::events::now(),
            ..application.clone()
        };
        self.commit(doc, |tx| JobApplications::apply(tx, &key, &application))
    }

    /// Refers someone for the opening `post`: one change to the person's applications document,
    /// offline too; recruiters see it on their board once the relay has it.
    pub fn refer(&self, post: DocumentId, referral: &Referral) -> Result<(), AppError> {
        if let Some(problem) = referral.problem() {
            return Err(AppError::LocalEdit(problem.into()));
        }
        let doc = self.own_doc(|m| m.applications_doc)?;
        let key = format!("{post}:{}", super::messages::new_message_id());
        let referral = Referral {
            post: post.to_string(),
            at: super::events::now(),
            ..referral.clone()
        };
        self.commit(doc, |tx| JobApplications::refer(tx, &key, &referral))
    }

    /// Saves the opening `post` to come back to, or takes it back: on every device of the
    /// person, offline too.
    pub fn save_job(&self, post: DocumentId, save: bool) -> Result<(), AppError> {
        let doc = self.own_doc(|m| m.applications_doc)?;
        let at = save.then(super::events::now);
        let mut done = true;
        self.commit(doc, |tx| {
            done = JobApplications::save(tx, &post.to_string(), at)?;
            Ok::<_, tsunagu_core::event::DocError>(())
        })?;
        if done {
            Ok(())
        } else {
            Err(AppError::NotSynced)
        }
    }

    /// The notes document of the opening `post` (those who post openings), once it arrived.
    fn notes_doc(&self, post: DocumentId) -> Result<(DocumentId, String, String), AppError> {
        let (doc, me, name) = self
            .signals
            .me
            .with_untracked(|me| {
                me.as_ref().map(|m| {
                    let doc = m.news.iter().find(|r| r.post == post).and_then(|r| r.notes);
                    (doc, m.user_id.clone(), m.display_name.clone())
                })
            })
            .ok_or(AppError::NotStarted)?;
        let doc = doc.ok_or(AppError::NotSynced)?;
        if !self.docs.arrived(&doc) {
            return Err(AppError::NotSynced);
        }
        Ok((doc, me, name))
    }

    /// Notes `text` on `applicant` for the opening `post`, offline too.
    pub fn note_applicant(
        &self,
        post: DocumentId,
        applicant: &str,
        text: &str,
    ) -> Result<(), AppError> {
        let (doc, me, name) = self.notes_doc(post)?;
        let key = format!("{me}:{}", super::messages::new_message_id());
        let note = Note {
            by: name,
            text: text.trim().to_owned(),
            at: super::events::now(),
        };
        self.commit(doc, |tx| JobNotes::add_note(tx, applicant, &key, &note))
    }

    /// Gives `applicant` for the opening `post` the person's `stars` (0 takes them back).
    pub fn rate_applicant(
        &self,
        post: DocumentId,
        applicant: &str,
        stars: i64,
    ) -> Result<(), AppError> {
        let (doc, me, _) = self.notes_doc(post)?;
        self.commit(doc, |tx| JobNotes::rate(tx, applicant, &me, stars))
    }
}
