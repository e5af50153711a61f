//! Demo mode's sign-in accounts, created only when `demo.enabled` is on (as `make run` sets it),
//! and the demo editor of the dataset's open round.

use crate::StartError;
use domain::{Email, Role, Scopes};
use persistence::accounts::{self, NewUser};
use persistence::{AuditActor, Database, organization};

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

/// The demo editor: e-mail, display name, and the bureau of the demo dataset it answers for (the
/// one with the most reforms, so the open round of the dataset waits for it in its inbox).
pub const DEMO_EDITOR: (&str, &str, &str) = (
    "editor@platina.example",
    "八幡西区役所 デモ編集者",
    "八幡西区役所",
);

fn setup(e: &dyn std::fmt::Display) -> StartError {
    StartError::Setup(format!("demo accounts: {e}"))
}

pub async fn ensure_demo_accounts(db: &Database) -> Result<(), StartError> {
    for (address, name, role) in DEMO_ACCOUNTS {
        ensure_account(db, address, name, role, Scopes::default()).await?;
    }
    Ok(())
}

/// Creates the demo editor once its bureau exists (after the demo dataset is loaded).
pub async fn ensure_demo_editor(db: &Database) -> Result<(), StartError> {
    let (address, name, bureau) = DEMO_EDITOR;
    let Some(bureau) = organization::list_bureaus(&db.conn)
        .await
        .map_err(|e| setup(&e))?
        .into_iter()
        .find(|b| b.name == bureau)
    else {
        return Ok(());
    };
    let scopes = Scopes {
        section_ids: Vec::new(),
        bureau_ids: vec![bureau.id],
    };
    ensure_account(db, address, name, Role::Editor, scopes).await
}

async fn ensure_account(
    db: &Database,
    address: &str,
    name: &str,
    role: Role,
    scopes: Scopes,
) -> Result<(), StartError> {
    let actor = AuditActor::command_line("demo mode");
    let email = Email::parse(address).map_err(|e| setup(&e))?;
    if accounts::find_user_by_email(&db.conn, &email)
        .await
        .map_err(|e| setup(&e))?
        .is_some()
    {
        return Ok(());
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
            scopes,
            password_hash,
        },
        &actor,
    )
    .await
    .map_err(|e| setup(&e))?;
    Ok(())
}
