//! Removing every stored link of a record being deleted, the one step each record kind's delete
//! shares. It sits below `links` (which reads records of every kind to summarise a link's ends)
//! and the record modules (which call this inside their delete), so neither imports the other.

use crate::StoreError;
use crate::entities::link;
use domain::link::EntityKind;
use sea_orm::sea_query::ExprTrait;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// Removes the links of a record being deleted, inside the caller's transaction.
pub(crate) async fn delete_links_of<C: ConnectionTrait>(
    conn: &C,
    kind: EntityKind,
    id: i64,
) -> Result<(), StoreError> {
    let kind = kind.as_str();
    link::Entity::delete_many()
        .filter(
            (link::Column::FromKind
                .eq(kind)
                .and(link::Column::FromId.eq(id)))
            .or(link::Column::ToKind.eq(kind).and(link::Column::ToId.eq(id))),
        )
        .exec(conn)
        .await?;
    Ok(())
}
