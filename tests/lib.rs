//! Platina's black-box tests live in `api/`: they start the real server on port 0 with a fresh
//! database (SQLite always, PostgreSQL when `PLATINA_TEST_POSTGRES_URL` is set) and speak HTTP
//! to it. This library target is empty; it exists because a package needs one.
