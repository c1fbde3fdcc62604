//! Importing leavers from an HR export: pick the CSV file (UTF-8 or Shift_JIS, as Excel saves
//! it), see what importing it would do — new, updated, unchanged, and every problem with its line
//! — then import. Nothing is written before the admin confirms the preview.

use leptos::prelude::*;
use tsunagu_core::api::{ImportAction, ImportError, ImportReport, RowProblem};
use wasm_bindgen::{JsCast, JsValue};

use super::{AdminFrame, ErrorLine, period};
use crate::api;
use crate::error::AppError;
use crate::i18n::*;

#[component]
pub(crate) fn ImportPage() -> impl IntoView {
    view! { <AdminFrame><Import /></AdminFrame> }
}

/// The file as read once: the import sends exactly the bytes that were previewed.
#[derive(Debug, Clone)]
pub(super) struct Picked {
    pub(super) name: String,
    pub(super) bytes: Vec<u8>,
}

#[component]
fn Import() -> impl IntoView {
    let i18n = use_i18n();
    let picked = RwSignal::new(None::<Picked>);
    let preview = RwSignal::new(None::<ImportReport>);
    let done = RwSignal::new(None::<ImportReport>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);

    let on_pick = move |ev: leptos::ev::Event| {
        let Some(file) = first_file(&ev) else { return };
        preview.set(None);
        done.set(None);
        error.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = match read_file(&file).await {
                Ok(picked_file) => {
                    let report = api::import_hr_csv(&picked_file.bytes, false).await;
                    picked.set(Some(picked_file));
                    report
                }
                Err(e) => Err(e),
            };
            busy.set(false);
            match result {
                Ok(report) => preview.set(Some(report)),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let confirm = move |_| {
        let Some(file) = picked.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let result = api::import_hr_csv(&file.bytes, true).await;
            busy.set(false);
            match result {
                Ok(report) => {
                    preview.set(None);
                    done.set(Some(report));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    view! {
        <section class="card section admin-section">
            <h2 class="section-title">{move || t_string!(i18n, admin.import_title)}</h2>
            <p class="field-hint">{move || t_string!(i18n, admin.import_lead)}</p>
            <p class="field-hint">{move || t_string!(i18n, admin.import_columns)}</p>
            <label class="admin-file">
                <span class="button button-primary">{move || t_string!(i18n, admin.import_pick)}</span>
                <input type="file" class="visually-hidden" accept=".csv,text/csv" data-testid="import-file" on:change=on_pick />
                <span class="field-hint" data-testid="import-file-name">
                    {move || picked.get().map(|p| p.name).unwrap_or_else(|| t_string!(i18n, admin.import_no_file).to_string())}
                </span>
            </label>
            <Show when=move || busy.get()>
                <p class="field-hint" role="status">{move || t_string!(i18n, admin.working)}</p>
            </Show>
            {move || error.get().map(|e| view! { <ErrorLine error=e /> })}
        </section>
        {move || done.get().map(|report| {
            let counts = report.counts.unwrap_or_default();
            view! {
                <section class="card section admin-section admin-done" data-testid="import-result" role="status">
                    <h2 class="section-title">{t_string!(i18n, admin.import_done)}</h2>
                    <ul class="admin-counts">
                        <li><strong data-testid="import-count-new">{counts.new}</strong>" "{t_string!(i18n, admin.action_new)}</li>
                        <li><strong>{counts.updated}</strong>" "{t_string!(i18n, admin.action_update)}</li>
                        <li><strong>{counts.unchanged}</strong>" "{t_string!(i18n, admin.action_unchanged)}</li>
                        <li><strong>{counts.skipped}</strong>" "{t_string!(i18n, admin.import_skipped)}</li>
                    </ul>
                    <p class="field-hint">{t_string!(i18n, admin.import_next)}</p>
                    <a class="button button-primary" href="/admin?status=imported" data-testid="import-to-members">{t_string!(i18n, admin.import_to_members)}</a>
                </section>
            }
        })}
        {move || preview.get().map(|report| view! { <Preview report=report busy=busy confirm=confirm /> })}
    }
}

#[component]
fn Preview(
    report: ImportReport,
    busy: RwSignal<bool>,
    confirm: impl Fn(leptos::ev::MouseEvent) + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    let count = |action| report.rows.iter().filter(|r| r.action == action).count();
    let (new, update, unchanged) = (
        count(ImportAction::New),
        count(ImportAction::Update),
        count(ImportAction::Unchanged),
    );
    let importable = new + update;
    let encoding = if report.encoding == "shift_jis" {
        "Shift_JIS"
    } else {
        "UTF-8"
    };
    let errors = report.errors.clone();
    view! {
        <section class="card section admin-section" data-testid="import-preview">
            <h2 class="section-title">{move || t_string!(i18n, admin.preview_title)}</h2>
            <p class="field-hint">{t!(i18n, admin.preview_encoding, encoding = move || encoding)}</p>
            <ul class="admin-counts">
                <li><span class="status status-new">{move || t_string!(i18n, admin.action_new)}</span>" "<strong>{new}</strong></li>
                <li><span class="status status-update">{move || t_string!(i18n, admin.action_update)}</span>" "<strong>{update}</strong></li>
                <li><span class="status status-unchanged">{move || t_string!(i18n, admin.action_unchanged)}</span>" "<strong>{unchanged}</strong></li>
                <li><span class="status status-error">{move || t_string!(i18n, admin.preview_errors)}</span>" "<strong>{errors.len()}</strong></li>
            </ul>
            {(!errors.is_empty()).then(|| view! {
                <div class="admin-errors" data-testid="import-errors">
                    <p class="field-label">{move || t_string!(i18n, admin.preview_errors_lead)}</p>
                    <ul>
                        {errors.iter().map(|e| view! { <ErrorItem error=e.clone() /> }).collect_view()}
                    </ul>
                </div>
            })}
            <div class="table-scroll">
                <table class="admin-table">
                    <thead>
                        <tr>
                            <th scope="col">{move || t_string!(i18n, admin.col_line)}</th>
                            <th scope="col">{move || t_string!(i18n, admin.col_action)}</th>
                            <th scope="col">{move || t_string!(i18n, admin.col_employee_number)}</th>
                            <th scope="col">{move || t_string!(i18n, admin.col_name)}</th>
                            <th scope="col">{move || t_string!(i18n, admin.col_email)}</th>
                            <th scope="col">{move || t_string!(i18n, admin.col_tenure)}</th>
                            <th scope="col">{move || t_string!(i18n, admin.col_department)}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {report.rows.into_iter().map(|row| {
                            let action = row.action;
                            let (class, key) = match action {
                                ImportAction::New => ("status status-new", "new"),
                                ImportAction::Update => ("status status-update", "update"),
                                ImportAction::Unchanged => ("status status-unchanged", "unchanged"),
                            };
                            view! {
                                <tr data-testid="import-row" data-action=key>
                                    <td class="admin-num">{row.line}</td>
                                    <td><span class=class>{move || action_label(i18n, action)}</span></td>
                                    <td>{row.record.employee_number.clone()}</td>
                                    <td>
                                        <div class="admin-name">{row.record.name.clone()}</div>
                                        <div class="admin-sub">{row.record.reading.clone()}</div>
                                    </td>
                                    <td class="admin-email">{row.record.email.clone()}</td>
                                    <td class="admin-nowrap">{period(&row.record.joined, &row.record.left)}</td>
                                    <td>{row.record.department.clone()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            <div class="admin-panel-actions">
                <button type="button" class="button button-primary" data-testid="import-confirm"
                    disabled=move || busy.get() || importable == 0 on:click=confirm>
                    {t!(i18n, admin.import_confirm, count = move || importable)}
                </button>
                <span class="field-hint">{move || t_string!(i18n, admin.import_confirm_hint)}</span>
            </div>
        </section>
    }
}

#[component]
fn ErrorItem(error: ImportError) -> impl IntoView {
    let i18n = use_i18n();
    let problem = error.problem;
    let line = error.line;
    let field = error.field.clone();
    view! {
        <li data-testid="import-error" data-line=error.line.to_string()>
            <span class="admin-line">{t!(i18n, admin.line, line = move || line)}</span>
            " "<strong>{move || field_label(i18n, &field)}</strong>": "
            {move || problem_label(i18n, problem)}
        </li>
    }
}

fn action_label(i18n: leptos_i18n::I18nContext<Locale>, action: ImportAction) -> &'static str {
    match action {
        ImportAction::New => t_string!(i18n, admin.action_new),
        ImportAction::Update => t_string!(i18n, admin.action_update),
        ImportAction::Unchanged => t_string!(i18n, admin.action_unchanged),
    }
}

fn problem_label(i18n: leptos_i18n::I18nContext<Locale>, problem: RowProblem) -> &'static str {
    match problem {
        RowProblem::Missing => t_string!(i18n, admin.problem_missing),
        RowProblem::InvalidEmail => t_string!(i18n, admin.problem_invalid_email),
        RowProblem::InvalidDate => t_string!(i18n, admin.problem_invalid_date),
        RowProblem::LeftBeforeJoined => t_string!(i18n, admin.problem_left_before_joined),
        RowProblem::DuplicateInFile => t_string!(i18n, admin.problem_duplicate),
        RowProblem::ConflictsWithStored => t_string!(i18n, admin.problem_conflict),
    }
}

fn field_label(i18n: leptos_i18n::I18nContext<Locale>, field: &str) -> &'static str {
    match field {
        "name" => t_string!(i18n, admin.col_name),
        "reading" => t_string!(i18n, admin.field_reading),
        "email" => t_string!(i18n, admin.col_email),
        "employee_number" => t_string!(i18n, admin.col_employee_number),
        "joined" => t_string!(i18n, admin.field_joined),
        "left" => t_string!(i18n, admin.field_left),
        "department" => t_string!(i18n, admin.col_department),
        _ => t_string!(i18n, admin.field_other),
    }
}

/// The first file of a file input's change event.
pub(super) fn first_file(ev: &leptos::ev::Event) -> Option<JsValue> {
    let input: web_sys::HtmlInputElement = ev.target()?.dyn_into().ok()?;
    // `files` and `File` through js_sys: web-sys would need three more features for two calls.
    let files = js_sys::Reflect::get(&input, &"files".into()).ok()?;
    let file = js_sys::Reflect::get(&files, &0.into()).ok()?;
    (!file.is_undefined() && !file.is_null()).then_some(file)
}

/// Reads a `File` whole (`file.arrayBuffer()`); HR exports are small.
pub(super) async fn read_file(file: &JsValue) -> Result<Picked, AppError> {
    let unreadable = |e: JsValue| AppError::UnexpectedResponse(format!("reading the file: {e:?}"));
    let name = js_sys::Reflect::get(file, &"name".into())
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default();
    let read: js_sys::Function = js_sys::Reflect::get(file, &"arrayBuffer".into())
        .map_err(unreadable)?
        .dyn_into()
        .map_err(unreadable)?;
    let promise: js_sys::Promise = read
        .call0(file)
        .map_err(unreadable)?
        .dyn_into()
        .map_err(unreadable)?;
    let buffer = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(unreadable)?;
    Ok(Picked {
        name,
        bytes: js_sys::Uint8Array::new(&buffer).to_vec(),
    })
}
