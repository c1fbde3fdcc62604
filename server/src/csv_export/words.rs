//! What the CSV downloads say, in the language an admin asked for (`?lang=ja` / `?lang=en`,
//! else the organisation's): headers, seat statuses, audit actions, and the file names. The app
//! says the same things on screen from its locale files; these are the relay's copy for files
//! it writes itself.

use tsunagu_core::api::{ApplyLogged, AuditAction, ImportLogged, Language, MatchedBy};
use tsunagu_core::event::SeatStatus;
use tsunagu_core::profile::Interest;

/// The attendee list's header.
pub(crate) fn attendee_header(lang: Language) -> [&'static str; 6] {
    match lang {
        Language::Ja => [
            "氏名",
            "ふりがな",
            "状態",
            "チケット",
            "受付日時",
            "重複入場",
        ],
        Language::En => [
            "Name",
            "Reading",
            "Status",
            "Ticket",
            "Checked in at",
            "Admitted more than once",
        ],
    }
}

/// The audit log's header.
pub(crate) fn audit_header(lang: Language) -> [&'static str; 6] {
    match lang {
        Language::Ja => ["日時", "実行者", "操作", "対象", "詳細", "対象ID"],
        Language::En => ["When", "Who", "Action", "Subject", "Detail", "Subject id"],
    }
}

pub(crate) fn seat_status(lang: Language, status: SeatStatus) -> &'static str {
    match (lang, status) {
        (Language::Ja, SeatStatus::Confirmed) => "参加確定",
        (Language::Ja, SeatStatus::Waiting) => "キャンセル待ち",
        (Language::Ja, SeatStatus::Declined) => "不参加",
        (Language::Ja, SeatStatus::Refused) => "受付終了",
        (Language::En, SeatStatus::Confirmed) => "Confirmed",
        (Language::En, SeatStatus::Waiting) => "Waiting list",
        (Language::En, SeatStatus::Declined) => "Not going",
        (Language::En, SeatStatus::Refused) => "Answered too late",
    }
}

/// A yes for "admitted more than once"; a no is left blank, so the yeses stand out.
pub(crate) fn yes(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "あり",
        Language::En => "yes",
    }
}

/// Who did what the relay decided on its own.
pub(crate) fn system(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "システム",
        Language::En => "System",
    }
}

/// An audit action as the admin screens name it (`app/locales/*.json`, `admin.audit_*`).
pub(crate) fn audit_action(lang: Language, action: AuditAction) -> &'static str {
    use AuditAction as A;
    match lang {
        Language::Ja => match action {
            A::Setup => "初期セットアップ",
            A::Import => "人事データ取込",
            A::Invite => "招待",
            A::Register => "登録",
            A::Apply => "参加申請",
            A::ConfirmApplication => "申請をメールで確認",
            A::Approve => "申請の承認",
            A::Reject => "申請の却下",
            A::Roles => "権限の変更",
            A::Suspend => "利用停止",
            A::Reactivate => "利用再開",
            A::RevokeDevice => "端末の登録解除",
            A::DeleteHrRecord => "人事データの削除",
            A::DeleteAccount => "アカウント削除",
            A::ChangePassword => "パスワード変更",
            A::SignOutEverywhere => "すべての端末からログアウト",
            A::RotatePassKey => "署名鍵を新しく作成",
            A::RetirePassKey => "署名鍵を無効化",
            A::CreateEvent => "イベント作成",
            A::CreatePost => "お知らせの作成",
            A::MoveApplication => "応募の選考状況の変更",
            A::Shortlist => "タレントプールの候補に追加",
            A::Unshortlist => "タレントプールの候補から外す",
            A::ProposeEvent => "イベントの提案",
            A::SetJoinUrl => "参加URLの設定",
            A::ClearJoinUrl => "参加URLの削除",
            A::SetLogo => "ロゴの設定",
            A::RemoveLogo => "ロゴの削除",
            A::ReleaseSeat => "参加の取り消し",
            A::BlockMember => "メンバーのブロック",
            A::UnblockMember => "ブロックの解除",
            A::ReportMessage => "メッセージの通報",
            A::HideMessage => "メッセージの非表示",
            A::DismissReport => "通報の却下",
        },
        Language::En => match action {
            A::Setup => "Network set up",
            A::Import => "HR import",
            A::Invite => "Invitation",
            A::Register => "Registered",
            A::Apply => "Applied to join",
            A::ConfirmApplication => "Confirmed application by mail",
            A::Approve => "Approved application",
            A::Reject => "Rejected application",
            A::Roles => "Roles changed",
            A::Suspend => "Suspended",
            A::Reactivate => "Reactivated",
            A::RevokeDevice => "Device removed",
            A::DeleteHrRecord => "HR record deleted",
            A::DeleteAccount => "Deleted account",
            A::ChangePassword => "Changed password",
            A::SignOutEverywhere => "Signed out everywhere",
            A::RotatePassKey => "New pass signing key",
            A::RetirePassKey => "Retired pass signing key",
            A::CreateEvent => "Event created",
            A::CreatePost => "News post started",
            A::MoveApplication => "Job application moved",
            A::Shortlist => "Added to the talent shortlist",
            A::Unshortlist => "Removed from the talent shortlist",
            A::ProposeEvent => "Event proposed",
            A::SetJoinUrl => "Join link set",
            A::ClearJoinUrl => "Join link removed",
            A::SetLogo => "Logo set",
            A::RemoveLogo => "Logo removed",
            A::ReleaseSeat => "Seat released by staff",
            A::BlockMember => "Member blocked",
            A::UnblockMember => "Member unblocked",
            A::ReportMessage => "Message reported",
            A::HideMessage => "Message hidden",
            A::DismissReport => "Report dismissed",
        },
    }
}

/// What an attendee list is called in its file name, after the event's title and date.
pub(crate) fn attendees_file(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "参加者",
        Language::En => "attendees",
    }
}

/// What the audit log is called in its file name, before the date.
pub(crate) fn audit_file(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "監査ログ",
        Language::En => "audit-log",
    }
}

/// An entry's detail as people read it: an import's counts and an application's match in
/// `lang`; any other detail (and one written before details were JSON) as it is.
pub(crate) fn audit_detail(lang: Language, action: Option<AuditAction>, detail: &str) -> String {
    match action {
        Some(AuditAction::Import) => serde_json::from_str::<ImportLogged>(detail)
            .map_or_else(|_| detail.to_owned(), |d| import_detail(lang, &d)),
        Some(AuditAction::Apply) => serde_json::from_str::<ApplyLogged>(detail)
            .map_or_else(|_| detail.to_owned(), |d| apply_detail(lang, &d)),
        _ => detail.to_owned(),
    }
}

fn encoding(key: &str) -> &str {
    match key {
        "utf-8" => "UTF-8",
        "shift_jis" => "Shift_JIS",
        other => other,
    }
}

fn import_detail(lang: Language, d: &ImportLogged) -> String {
    let c = &d.counts;
    match lang {
        Language::Ja => format!(
            "{}：新規 {}件、更新 {}件、変更なし {}件、エラー {}行",
            encoding(&d.encoding),
            c.new,
            c.updated,
            c.unchanged,
            c.skipped
        ),
        Language::En => format!(
            "{}: {} new, {} updated, {} unchanged, {} rows with errors",
            encoding(&d.encoding),
            c.new,
            c.updated,
            c.unchanged,
            c.skipped
        ),
    }
}

fn apply_detail(lang: Language, d: &ApplyLogged) -> String {
    let mut parts = vec![d.email.clone()];
    if let Some(by) = d.matched_by {
        parts.push(
            match (lang, by) {
                (Language::Ja, MatchedBy::Email) => "人事記録とメールアドレスが一致",
                (Language::Ja, MatchedBy::EmployeeNumberAndName) => {
                    "人事記録と社員番号・氏名が一致"
                }
                (Language::En, MatchedBy::Email) => "matches an HR record by email",
                (Language::En, MatchedBy::EmployeeNumberAndName) => {
                    "matches an HR record by employee number and name"
                }
            }
            .to_owned(),
        );
    }
    if d.confirmation_mailed {
        parts.push(
            match lang {
                Language::Ja => "人事記録のアドレスに確認メールを送信",
                Language::En => "confirmation link mailed to the address on record",
            }
            .to_owned(),
        );
    }
    parts.join(match lang {
        Language::Ja => "・",
        Language::En => "; ",
    })
}

/// The talent pool's header.
pub(crate) fn talent_header(lang: Language) -> [&'static str; 16] {
    match lang {
        Language::Ja => [
            "氏名",
            "ふりがな",
            "入社",
            "退職",
            "部署",
            "現在の勤務先",
            "役職",
            "所在地",
            "スキル",
            "関心",
            "参加したイベント",
            "最終アクティブ",
            "応募",
            "紹介",
            "紹介で入社",
            "候補リストに追加",
        ],
        Language::En => [
            "Name",
            "Reading",
            "Joined",
            "Left",
            "Departments",
            "Employer",
            "Title",
            "Location",
            "Skills",
            "Open to",
            "Events attended",
            "Last active",
            "Applications",
            "Referrals",
            "Referrals hired",
            "Shortlisted at",
        ],
    }
}

/// What the talent pool is called in its file name.
pub(crate) fn talent_file(lang: Language) -> &'static str {
    match lang {
        Language::Ja => "タレントプール",
        Language::En => "talent-pool",
    }
}

/// An interest a member said they have, as the profile screens name it (`interest.*`).
pub(crate) fn interest(lang: Language, interest: Interest) -> &'static str {
    match (lang, interest) {
        (Language::Ja, Interest::Rehire) => "再入社",
        (Language::Ja, Interest::Collaboration) => "協業・取引",
        (Language::Ja, Interest::Mentoring) => "メンタリング",
        (Language::Ja, Interest::Speaking) => "イベント登壇",
        (Language::Ja, Interest::KeepInTouch) => "近況交換",
        (Language::En, Interest::Rehire) => "Rehire",
        (Language::En, Interest::Collaboration) => "Collaboration",
        (Language::En, Interest::Mentoring) => "Mentoring",
        (Language::En, Interest::Speaking) => "Speaking at events",
        (Language::En, Interest::KeepInTouch) => "Keep in touch",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsunagu_core::api::ImportCounts;

    #[test]
    fn imports_and_applications_read_in_either_language_and_old_text_stays() {
        let import = serde_json::to_string(&ImportLogged {
            encoding: "shift_jis".into(),
            counts: ImportCounts {
                new: 2,
                updated: 1,
                unchanged: 0,
                skipped: 1,
            },
        })
        .expect("JSON");
        assert_eq!(
            audit_detail(Language::Ja, Some(AuditAction::Import), &import),
            "Shift_JIS：新規 2件、更新 1件、変更なし 0件、エラー 1行"
        );
        let apply = serde_json::to_string(&ApplyLogged {
            email: "tsubasa@example.org".into(),
            matched_by: Some(MatchedBy::EmployeeNumberAndName),
            confirmation_mailed: true,
        })
        .expect("JSON");
        assert_eq!(
            audit_detail(Language::En, Some(AuditAction::Apply), &apply),
            "tsubasa@example.org; matches an HR record by employee number and name; \
             confirmation link mailed to the address on record"
        );
        let old = "shift_jis: 2 new, 0 updated, 0 unchanged, 1 rows with errors";
        assert_eq!(
            audit_detail(Language::Ja, Some(AuditAction::Import), old),
            old
        );
    }
}
