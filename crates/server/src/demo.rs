//! Demo mode's sign-in accounts, created only when `demo.enabled` is on (as `make run` sets it).

use crate::StartError;
use domain::{Email, Role, Scopes};
use persistence::accounts::{self, NewUser};
use persistence::{AuditActor, Database};

pub const DEMO_PASSWORD: &str = "platina-demo";

/// The demo accounts: e-mail, display name, role.
pub const DEMO_ACCOUNTS: [(&str, &str, Role); 3] = [
    (
        "admin@platina.example",
        "市政変革推進室 デモ管理者",
        Role::Admin,
    ),
    (
        "proposer@platina.example",
        "プラチナPT デモ提案者",
        Role::Proposer,
    ),
    ("viewer@platina.example", "デモ閲覧者", Role::Viewer),
];

pub async fn ensure_demo_accounts(db: &Database) -> Result<(), StartError> {
    let setup = |e: &dyn std::fmt::Display| StartError::Setup(format!("demo accounts: {e}"));
    let actor = AuditActor::command_line("demo mode");
    for (address, name, role) in DEMO_ACCOUNTS {
        let email = Email::parse(address).map_err(|e| setup(&e))?;
        if accounts::find_user_by_email(&db.conn, &email)
            .await
            .map_err(|e| setup(&e))?
            .is_some()
        {
            continue;
        }
        let password_hash = api::auth::passwords::hash_off_thread(DEMO_PASSWORD.to_owned())
            .await
            .map_err(|e| setup(&e))?;
        accounts::create_user(
            &db.conn,
            NewUser {
                email,
                display_name: name.to_owned(),
                role,
                scopes: Scopes::default(),
                password_hash,
            },
            &actor,
        )
        .await
        .map_err(|e| setup(&e))?;
    }
    Ok(())
}
