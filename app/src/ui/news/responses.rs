//! Under a post: いいね and the comments (docs/design.md §13). Both are written on the phone at
//! once and synced when the relay is reachable, as messages are; a member edits or deletes their
//! own comments, an admin hides anyone's.

use leptos::prelude::*;
use tsunagu_core::ids::DocumentId;
use tsunagu_core::news::{Comment, MAX_COMMENT_CHARS};

use crate::error::AppError;
use crate::i18n::*;
use crate::runtime::NewsEntry;
use crate::ui::avatar::{Avatar, name_of, photo_of};
use crate::ui::time::{self, Style};
use crate::ui::{error_text, use_client};

/// The post's いいね and comments, with the person's own.
#[component]
pub(crate) fn Responses(post: DocumentId, entry: Memo<Option<NewsEntry>>) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let me = Memo::new(move |_| {
        signals
            .me
            .with(|m| m.as_ref().map(|m| m.user_id.clone()).unwrap_or_default())
    });
    let admin = move || super::writes_news(signals);
    let likes = move || entry.with(|e| e.as_ref().map_or(0, |e| e.responses.likes.len()));
    let liked = move || {
        entry.with(|e| {
            e.as_ref()
                .is_some_and(|e| me.with(|me| e.responses.likes.contains_key(me)))
        })
    };
    // Each comment, and whether it is the person's own still on its way to the relay.
    let comments = Memo::new(move |_| {
        entry.with(|e| {
            e.as_ref()
                .map(|e| {
                    e.responses
                        .comments
                        .iter()
                        .map(|c| (c.clone(), e.sending.contains(&c.key)))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let shown = move || comments.with(|c| c.iter().filter(|(c, _)| !c.hidden).count());
    let error = RwSignal::new(None::<AppError>);
    let report = move |result: Result<(), AppError>| error.set(result.err());
    let toggle_like = move |_| report(client.like_post(post, !liked()));
    let draft = RwSignal::new(String::new());
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        let result = client.comment_post(post, &text);
        if result.is_ok() {
            draft.set(String::new());
        }
        report(result);
    };
    view! {
        <section class="card section news-responses" data-testid="post-responses">
            <div class="news-like-row">
                <button type="button" class="button like-button" data-testid="post-like"
                    aria-pressed=move || liked().to_string() on:click=toggle_like>
                    <svg class="icon" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round">
                        <path d="M12 20s-7-4.4-7-10a4 4 0 0 1 7-2.6A4 4 0 0 1 19 10c0 5.6-7 10-7 10z" />
                    </svg>
                    <span>{move || t_string!(i18n, news.like)}</span>
                </button>
                <span class="news-like-count" data-testid="post-like-count" data-count=move || likes().to_string()>
                    {move || t_string!(i18n, news.likes).replace("%n", &likes().to_string())}
                </span>
            </div>
            <h2 class="section-title">
                {move || t_string!(i18n, news.comments).replace("%n", &shown().to_string())}
            </h2>
            <ul class="comment-list" data-testid="comment-list">
                <For each=move || comments.get() key=|(c, sending)| (c.key.clone(), c.text.clone(), c.hidden, *sending) let:comment>
                    <CommentItem post=post comment=comment.0 sending=comment.1 mine=me.get_untracked() admin=admin() report=report />
                </For>
            </ul>
            <form class="comment-form" on:submit=send data-testid="comment-form">
                <label class="visually-hidden" for="comment-input">{move || t_string!(i18n, news.comment_label)}</label>
                <textarea class="input textarea" id="comment-input" rows="2" data-testid="comment-input"
                    maxlength=MAX_COMMENT_CHARS.to_string()
                    placeholder=move || t_string!(i18n, news.comment_placeholder)
                    prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))></textarea>
                <button type="submit" class="button button-primary" data-testid="comment-submit"
                    disabled=move || draft.with(|d| d.trim().is_empty())>
                    {move || t_string!(i18n, news.comment_send)}
                </button>
            </form>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert" data-testid="responses-error">{error_text(i18n.get_locale(), &e)}</p> })}
        </section>
    }
}

/// One comment: who, when, what; the author edits or deletes it, an admin hides it.
#[component]
fn CommentItem(
    post: DocumentId,
    comment: Comment,
    /// The person's own, not yet held by the relay.
    sending: bool,
    mine: String,
    admin: bool,
    report: impl Fn(Result<(), AppError>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let client = use_client();
    let signals = client.signals;
    let own = comment.author == mine;
    let (profile, name) =
        name_of(signals, &comment.author).map_or((None, None), |(d, n)| (Some(d), Some(n)));
    let photo = photo_of(signals, &comment.author).unwrap_or_default();
    let key = StoredValue::new(comment.key.clone());
    let editing = RwSignal::new(None::<String>);
    let at = comment.at / 1000;
    let edited = comment.edited_at.is_some();
    let hidden = comment.hidden;
    let text = comment.text.clone();
    let delete = move |_| {
        if crate::ui::confirm(t_string!(i18n, news.comment_delete_confirm)) {
            report(client.delete_comment(post, &key.get_value()));
        }
    };
    let hide = move |_| report(client.hide_comment(post, &key.get_value(), !hidden));
    let save = move |_| {
        let Some(text) = editing.get_untracked() else {
            return;
        };
        let text = text.trim().to_owned();
        if text.is_empty() {
            return;
        }
        let result = client.edit_comment(post, &key.get_value(), &text);
        if result.is_ok() {
            editing.set(None);
        }
        report(result);
    };
    let shown_name = name.clone();
    view! {
        <li class="comment" data-testid="comment" data-own=own.to_string() data-hidden=hidden.to_string() data-sending=sending.to_string()>
            {match profile {
                Some(doc) => view! { <Avatar doc=doc name=name.clone().unwrap_or_default() photo=photo /> }.into_any(),
                None => view! { <span class="avatar" aria-hidden="true">"?"</span> }.into_any(),
            }}
            <div class="comment-body">
                <div class="comment-head">
                    <strong class="comment-author">{move || shown_name.clone().unwrap_or_else(|| t_string!(i18n, news.former_member).to_owned())}</strong>
                    <time class="news-date">{move || time::format(at, None, i18n.get_locale(), Style::Short)}</time>
                    {edited.then(|| view! { <span class="news-date">{move || t_string!(i18n, news.comment_edited)}</span> })}
                    {sending.then(|| view! { <span class="news-date comment-sending" data-testid="comment-sending">{move || t_string!(i18n, messages.sending)}</span> })}
                </div>
                {move || match (hidden, editing.get()) {
                    (true, _) => view! { <p class="comment-text comment-hidden">{t_string!(i18n, news.comment_hidden)}</p> }.into_any(),
                    (false, Some(draft)) => view! {
                        <div class="comment-edit">
                            <textarea class="input textarea" rows="2" data-testid="comment-edit-input"
                                maxlength=MAX_COMMENT_CHARS.to_string()
                                prop:value=draft on:input=move |ev| editing.set(Some(event_target_value(&ev)))></textarea>
                            <div class="comment-actions">
                                <button type="button" class="button button-small button-primary" data-testid="comment-edit-save" on:click=save>{t_string!(i18n, news.comment_save)}</button>
                                <button type="button" class="button button-small button-quiet" on:click=move |_| editing.set(None)>{t_string!(i18n, news.comment_cancel)}</button>
                            </div>
                        </div>
                    }.into_any(),
                    (false, None) => view! { <p class="comment-text" data-testid="comment-text">{text.clone()}</p> }.into_any(),
                }}
                <div class="comment-actions">
                    {(own && !hidden).then(|| {
                        let text = comment.text.clone();
                        view! {
                            <button type="button" class="button-link" data-testid="comment-edit" on:click=move |_| editing.set(Some(text.clone()))>{move || t_string!(i18n, news.comment_edit)}</button>
                            <button type="button" class="button-link" data-testid="comment-delete" on:click=delete>{move || t_string!(i18n, news.comment_delete)}</button>
                        }
                    })}
                    {admin.then(|| view! {
                        <button type="button" class="button-link" data-testid="comment-hide" on:click=hide>
                            {move || if hidden { t_string!(i18n, news.comment_show) } else { t_string!(i18n, news.comment_hide) }}
                        </button>
                    })}
                </div>
            </div>
        </li>
    }
}
