//! Wire types shared by several endpoints. The database model never goes out as is.

use domain::{Role, Scopes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleOut {
    Admin,
    Editor,
    Proposer,
    Viewer,
}

impl From<Role> for RoleOut {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => RoleOut::Admin,
            Role::Editor => RoleOut::Editor,
            Role::Proposer => RoleOut::Proposer,
            Role::Viewer => RoleOut::Viewer,
        }
    }
}

/// A role as a client sets it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleIn {
    Admin,
    Editor,
    Proposer,
    Viewer,
}

impl From<RoleIn> for Role {
    fn from(role: RoleIn) -> Self {
        match role {
            RoleIn::Admin => Role::Admin,
            RoleIn::Editor => Role::Editor,
            RoleIn::Proposer => Role::Proposer,
            RoleIn::Viewer => Role::Viewer,
        }
    }
}

/// The sections and bureaus an editor acts within.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopesOut {
    pub section_ids: Vec<i64>,
    pub bureau_ids: Vec<i64>,
}

impl From<&Scopes> for ScopesOut {
    fn from(scopes: &Scopes) -> Self {
        ScopesOut {
            section_ids: scopes.section_ids.clone(),
            bureau_ids: scopes.bureau_ids.clone(),
        }
    }
}

/// A person who signs in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: RoleOut,
    pub scopes: ScopesOut,
    pub disabled: bool,
}

impl From<&persistence::accounts::User> for UserOut {
    fn from(user: &persistence::accounts::User) -> Self {
        UserOut {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role.into(),
            scopes: (&user.scopes).into(),
            disabled: user.disabled,
        }
    }
}

/// One page of a list, with the total over all pages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageOut<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T: ToSchema> PageOut<T> {
    pub fn from_page<S>(page: persistence::Page<S>, map: impl Fn(&S) -> T) -> Self {
        PageOut {
            items: page.items.iter().map(map).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}
