"""SQLite's schema migrations, applied in order; PRAGMA user_version records how far a file has
come. Never edit one that has shipped: add the next. (PostgreSQL has its own list, in
storage/postgres/schema.py; a change to the schema is made in both.)"""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE users (
        user_id       INTEGER PRIMARY KEY,
        username      TEXT,
        first_name    TEXT,
        language_code TEXT,
        first_seen    REAL NOT NULL,
        last_seen     REAL NOT NULL
    );
    CREATE TABLE tasks (
        id                INTEGER PRIMARY KEY AUTOINCREMENT,
        source_key        TEXT UNIQUE,
        user_id           INTEGER NOT NULL,
        chat_id           INTEGER NOT NULL,
        message_id        INTEGER,
        thread_id         INTEGER,
        status_message_id INTEGER,
        prompt            TEXT NOT NULL,
        model             TEXT NOT NULL,
        state             TEXT NOT NULL,
        upstream_id       TEXT UNIQUE,
        result_url        TEXT,
        failure           TEXT,
        charged           INTEGER NOT NULL DEFAULT 1,
        quota_day         TEXT NOT NULL,
        attempts          INTEGER NOT NULL DEFAULT 0,
        polls             INTEGER NOT NULL DEFAULT 0,
        created_at        REAL NOT NULL,
        updated_at        REAL NOT NULL,
        next_at           REAL NOT NULL,
        deadline          REAL NOT NULL,
        ready_at          REAL,
        finished_at       REAL
    );
    CREATE INDEX tasks_open ON tasks(next_at) WHERE state IN ('new', 'submitted', 'ready');
    CREATE INDEX tasks_quota ON tasks(user_id, quota_day) WHERE charged = 1;
    """,
    """
    ALTER TABLE tasks ADD COLUMN submitted_at REAL;
    ALTER TABLE tasks ADD COLUMN last_poll_at REAL;
    ALTER TABLE tasks ADD COLUMN upstream_done_at REAL;
    CREATE INDEX tasks_durations ON tasks(model, id) WHERE upstream_done_at IS NOT NULL;
    """,
    # Small values the bot keeps for itself across restarts (the generated webhook secret).
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 4: languages, operator controls, group limits, admin alerts.
    """
    ALTER TABLE tasks ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
    ALTER TABLE users ADD COLUMN chosen_locale TEXT;
    ALTER TABLE users ADD COLUMN daily_limit INTEGER;
    ALTER TABLE users ADD COLUMN banned INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX users_username ON users(username COLLATE NOCASE);
    CREATE TABLE grants (
        user_id   INTEGER NOT NULL,
        quota_day TEXT NOT NULL,
        extra     INTEGER NOT NULL,
        PRIMARY KEY (user_id, quota_day)
    );
    CREATE TABLE chat_limits (
        chat_id     INTEGER PRIMARY KEY,
        daily_limit INTEGER NOT NULL
    );
    CREATE TABLE admin_alerts (
        kind    TEXT PRIMARY KEY,
        sent_at REAL NOT NULL
    );
    CREATE INDEX tasks_chat_quota ON tasks(chat_id, quota_day) WHERE charged = 1;
    CREATE INDEX tasks_user ON tasks(user_id, id)
    """,
    # 5: full-quality originals behind the "original file" button; what upstream last said.
    """
    CREATE TABLE originals (
        task_id    INTEGER PRIMARY KEY,
        data       BLOB NOT NULL,
        filename   TEXT NOT NULL,
        created_at REAL NOT NULL
    );
    CREATE INDEX originals_age ON originals(created_at);
    ALTER TABLE tasks ADD COLUMN upstream_status TEXT
    """,
    # 6: find a @username ignoring case with lower(), as PostgreSQL does (no COLLATE NOCASE).
    """
    DROP INDEX users_username;
    CREATE INDEX users_username_lower ON users(lower(username))
    """,
    # 7: several processes on one database (PostgreSQL): who does the shared work, and the
    # replies other processes hand to it. SQLite has one process, but keeps one schema.
    """
    CREATE TABLE leases (
        name       TEXT PRIMARY KEY,
        holder     TEXT NOT NULL,
        epoch      INTEGER NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE TABLE outbox (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        kind       TEXT NOT NULL,
        chat_id    INTEGER,
        task_id    INTEGER,
        payload    TEXT,
        priority   INTEGER NOT NULL,
        droppable  INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        claimed_by INTEGER
    );
    CREATE INDEX outbox_unclaimed ON outbox(id) WHERE claimed_by IS NULL
    """,
    # 8: the message a picture was sent as: its buttons act only under that message.
    """
    ALTER TABLE tasks ADD COLUMN picture_message_id INTEGER
    """,
    # 9: the file_id Telegram gave an original the first time: later sends reuse it.
    """
    ALTER TABLE originals ADD COLUMN file_id TEXT
    """,
    # 10: look-ups that stay small however many finished tasks the table holds (the loop's
    # due tasks, open counts, queue positions, and finding the old ones to prune); and the
    # counts of pruned tasks, so /stats's totals survive the pruning.
    """
    CREATE INDEX tasks_due ON tasks(state, next_at);
    CREATE INDEX tasks_waiting ON tasks(model, id)
        WHERE state = 'submitted' AND upstream_status = 'idle';
    CREATE INDEX tasks_finished ON tasks(finished_at);
    CREATE TABLE pruned_tasks (
        state  TEXT NOT NULL,
        reason TEXT NOT NULL,
        tasks  INTEGER NOT NULL,
        PRIMARY KEY (state, reason)
    )
    """,
    # 11 (issue 13): models, aspect ratios, credits, Telegram Stars. A task records its model's
    # ratio, what it cost in credits and how many of them were purchased ones; the trigger gives
    # purchased credits back whenever a task's charge is (failed, cancelled, interrupted: any
    # write that clears `charged`), in that same write. `payments` keys every Stars payment by
    # Telegram's charge id: the same payment delivered twice is one row, credited once.
    """
    ALTER TABLE tasks ADD COLUMN ar TEXT;
    ALTER TABLE tasks ADD COLUMN credits INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE tasks ADD COLUMN paid_credits INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE tasks ADD COLUMN upstream_cost REAL;
    ALTER TABLE users ADD COLUMN model TEXT;
    ALTER TABLE users ADD COLUMN ar TEXT;
    ALTER TABLE users ADD COLUMN purchased_credits INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE chat_models (
        chat_id INTEGER PRIMARY KEY,
        model   TEXT NOT NULL
    );
    CREATE TABLE payments (
        charge_id          TEXT PRIMARY KEY,
        user_id            INTEGER NOT NULL,
        chat_id            INTEGER NOT NULL,
        payload            TEXT NOT NULL,
        credits            INTEGER NOT NULL,
        stars              INTEGER NOT NULL,
        currency           TEXT NOT NULL,
        provider_charge_id TEXT,
        created_at         REAL NOT NULL,
        refunded_at        REAL,
        taken_back         INTEGER
    );
    CREATE INDEX payments_time ON payments(created_at);
    CREATE INDEX tasks_cost ON tasks(ready_at, model, upstream_cost)
        WHERE upstream_cost IS NOT NULL;
    CREATE TRIGGER tasks_refund_paid AFTER UPDATE OF charged ON tasks
    WHEN OLD.charged = 1 AND NEW.charged = 0 AND OLD.paid_credits > 0
    BEGIN
        UPDATE users SET purchased_credits = purchased_credits + OLD.paid_credits
        WHERE user_id = OLD.user_id;
    END
    """,
    # 12 (issue 9): a create that may have reached GPTunnel (a crash while it was under way, an
    # answer lost on the wire) is sent once more, never twice: this records that it was.
    """
    ALTER TABLE tasks ADD COLUMN resubmitted INTEGER NOT NULL DEFAULT 0;
    """,
    # 13 (issue 9): a basic group upgraded to a supergroup, recorded once
    # (storage/chat_migrations.py): Telegram tells it up to three times, and only the first
    # sighting moves the chat's rows.
    """
    CREATE TABLE chat_migrations (
        old_chat_id INTEGER PRIMARY KEY,
        new_chat_id INTEGER NOT NULL,
        migrated_at REAL NOT NULL
    )
    """,
    # 14 (issue 14): pictures drawn from (reference images). GPTunnel fetches each from the
    # bot's own HTTP server by an unguessable token; the bytes live here so that any process
    # can serve them. A row without a task is a picture waiting for the person to pick a
    # model that takes it; the trigger deletes a task's picture the moment the task ends,
    # however it ends.
    """
    CREATE TABLE reference_images (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        token        TEXT NOT NULL UNIQUE,
        user_id      INTEGER NOT NULL,
        chat_id      INTEGER NOT NULL,
        task_id      INTEGER UNIQUE,
        prompt       TEXT NOT NULL,
        ar           TEXT,
        content_type TEXT NOT NULL,
        data         BLOB NOT NULL,
        created_at   REAL NOT NULL,
        expires_at   REAL NOT NULL
    );
    CREATE INDEX reference_images_expiry ON reference_images(expires_at);
    CREATE TRIGGER reference_images_task_ended AFTER UPDATE OF state ON tasks
    WHEN NEW.state IN ('delivered', 'failed')
    BEGIN
        DELETE FROM reference_images WHERE task_id = NEW.id;
    END
    """,
)
