-- Applications for job openings (issue 13): one row per member and opening the relay took, and
-- where it stands now. What the member wrote, and every stage with its date, is in their
-- applications document; the row is for the recruiters' board.
CREATE TABLE job_applications (
    post       TEXT NOT NULL REFERENCES documents (id),
    user_id    TEXT NOT NULL REFERENCES users (id),
    stage      TEXT NOT NULL
        CHECK (stage IN ('applied', 'screening', 'interview', 'offer', 'hired', 'declined')),
    applied_at BIGINT NOT NULL,
    moved_at   BIGINT NOT NULL,
    PRIMARY KEY (post, user_id)
);

-- What recruiters note about an opening's applicants: a document of its own, which no applicant
-- receives.
ALTER TABLE news_posts ADD COLUMN notes TEXT REFERENCES documents (id);

-- People members refer for job openings (リファラル): tracked to their outcome on the recruiters'
-- board, and credited to the member who referred them when they are hired (`credited_at`).
-- `ref_key` is the referral's key in the referrer's applications document.
CREATE TABLE job_referrals (
    ref_key     TEXT NOT NULL PRIMARY KEY,
    post        TEXT NOT NULL REFERENCES documents (id),
    referrer    TEXT NOT NULL REFERENCES users (id),
    name        TEXT NOT NULL,
    email       TEXT NOT NULL,
    stage       TEXT NOT NULL
        CHECK (stage IN ('applied', 'screening', 'interview', 'offer', 'hired', 'declined')),
    referred_at BIGINT NOT NULL,
    moved_at    BIGINT NOT NULL,
    credited_at BIGINT
);
CREATE INDEX job_referrals_by_post ON job_referrals (post, referred_at);
