//! Platina's HTTP interface: the actix-web handlers and their wire types (DTOs), sign-in and
//! authorization at the edge, RFC 9457 problem+json errors from one table, and the OpenAPI
//! document generated from the handlers themselves.
//!
//! `build_app` assembles everything a worker serves; the `platina` binary only adds
//! configuration and the listening socket.

pub mod admin;
pub mod annual_report;
pub mod auth;
pub mod clock;
pub mod compliance;
pub mod concurrency;
pub mod context;
pub mod dashboard;
pub mod department;
pub mod dto;
pub mod error;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod jobs;
pub mod ledger;
pub mod limits;
pub mod links;
pub mod mail;
pub mod middleware;
pub mod notifications;
pub mod offload;
pub mod openapi;
pub mod organization;
pub mod policies;
pub mod proposals;
pub mod reforms;
pub mod round_report;
pub mod round_workbook;
pub mod rounds;
pub mod routing;
pub mod search;
pub mod state;
pub mod tabular;
pub mod text_rules;
pub mod tokens;
pub mod wareki;
pub mod webhooks;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpResponse, guard, web};
use std::path::PathBuf;
use std::sync::Arc;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;

pub use error::{ApiError, ErrorCode, Problem};
pub use state::AppState;

/// How the HTTP surface is served.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    pub json_body_limit: usize,
    /// The built SPA; `None` serves the API alone.
    pub web_dist: Option<PathBuf>,
}

/// Every documented endpoint. The OpenAPI document is collected from exactly these.
pub fn register_routes(cfg: &mut ServiceConfig) {
    cfg.service(
        utoipa_actix_web::scope("/api/v1")
            // Before the `{id}` routes, which would otherwise take `export` for an id.
            .service(tabular::export::export_proposals)
            .service(tabular::export::export_reforms)
            .service(tabular::export::export_policies)
            .service(tabular::export::export_policy_issues)
            .service(tabular::export::export_kpis)
            .service(tabular::export::export_digital_systems)
            .service(tabular::export::export_audit_events)
            .service(auth::handlers::login)
            .service(auth::handlers::refresh)
            .service(auth::handlers::logout)
            .service(auth::handlers::token)
            .service(auth::handlers::me)
            .service(notifications::list_notifications)
            .service(notifications::unread_count)
            .service(notifications::mark_all_read)
            .service(notifications::mark_read)
            .service(notifications::get_preferences)
            .service(notifications::put_preferences)
            .service(notifications::list_subscriptions)
            .service(notifications::get_subscription)
            .service(notifications::follow)
            .service(notifications::unfollow)
            .service(rounds::my_round_requests)
            // Before `/rounds/{id}`, which would otherwise take `compliance-trend` for an id.
            .service(compliance::compliance_trend)
            .service(rounds::list_rounds)
            .service(rounds::create_round)
            .service(rounds::get_round)
            .service(rounds::replace_round)
            .service(rounds::delete_round)
            .service(rounds::preview_round)
            .service(rounds::open_round)
            .service(rounds::close_round)
            .service(rounds::reopen_round)
            .service(round_report::get_round_report)
            .service(round_report::round_report_csv)
            .service(round_report::round_report_xlsx)
            .service(rounds::list_round_requests)
            .service(rounds::nudge_overdue)
            .service(compliance::round_compliance)
            .service(rounds::get_round_request)
            .service(round_workbook::download_request_workbook)
            .service(round_workbook::answer_request_workbook)
            .service(rounds::answer_round_item)
            .service(rounds::submit_round_request)
            .service(rounds::return_round_request)
            .service(rounds::accept_round_request)
            .service(rounds::nudge_round_request)
            .service(admin::list_users)
            .service(admin::create_user)
            .service(admin::list_audit_events)
            .service(jobs::admin::list_jobs)
            .service(jobs::admin::get_job)
            .service(jobs::admin::retry_job)
            .service(jobs::admin::cancel_job)
            .service(mail::sent::list_sent_mail)
            .service(mail::sent::get_sent_mail)
            .service(webhooks::list_webhooks)
            .service(webhooks::create_webhook)
            .service(webhooks::get_webhook)
            .service(webhooks::replace_webhook)
            .service(webhooks::delete_webhook)
            .service(webhooks::rotate_webhook_secret)
            .service(webhooks::test_webhook)
            .service(webhooks::list_webhook_deliveries)
            .service(webhooks::redeliver_webhook_delivery)
            .service(dashboard::city_dashboard)
            .service(dashboard::bureau_dashboard)
            .service(dashboard::list_milestones)
            .service(annual_report::annual_report)
            .service(organization::list_bureaus)
            .service(organization::get_bureau)
            .service(organization::create_bureau)
            .service(organization::update_bureau)
            .service(organization::list_sections)
            .service(organization::get_section)
            .service(organization::create_section)
            .service(organization::rename_section)
            .service(proposals::teams::list_project_teams)
            .service(proposals::teams::get_project_team)
            .service(proposals::teams::create_project_team)
            .service(proposals::teams::replace_project_team)
            .service(proposals::records::list_proposals)
            .service(proposals::records::get_proposal)
            .service(proposals::records::create_proposal)
            .service(proposals::records::replace_proposal)
            .service(proposals::assignments::add_assignment)
            .service(proposals::assignments::transition_assignment)
            .service(proposals::consultations::list_consultations)
            .service(proposals::consultations::add_consultation)
            .service(proposals::history::proposal_history)
            .service(proposals::progress::proposal_progress)
            .service(reforms::list_reforms)
            .service(reforms::list_bureau_reforms)
            .service(reforms::get_reform)
            .service(reforms::create_reform)
            .service(reforms::replace_reform)
            .service(reforms::delete_reform)
            .service(policies::policy::list_policies)
            .service(policies::policy::get_policy)
            .service(policies::policy::create_policy)
            .service(policies::policy::replace_policy)
            .service(policies::issue::list_policy_issues)
            .service(policies::issue::get_policy_issue)
            .service(policies::issue::create_policy_issue)
            .service(policies::issue::replace_policy_issue)
            .service(policies::issue::delete_policy_issue)
            .service(policies::milestone::create_milestone)
            .service(policies::milestone::replace_milestone)
            .service(policies::milestone::delete_milestone)
            .service(policies::note::create_progress_note)
            .service(policies::check_in::check_in_policy_issue)
            .service(policies::note::delete_progress_note)
            .service(policies::kpi::get_kpi)
            .service(policies::kpi::create_kpi)
            .service(policies::kpi::replace_kpi)
            .service(policies::kpi::delete_kpi)
            .service(policies::kpi::create_kpi_actual)
            .service(policies::kpi::delete_kpi_actual)
            .service(ledger::list_digital_systems)
            .service(ledger::get_digital_system)
            .service(ledger::create_digital_system)
            .service(ledger::replace_digital_system)
            .service(ledger::delete_digital_system)
            .service(ledger::list_targets)
            .service(ledger::create_target)
            .service(ledger::replace_target)
            .service(ledger::create_target_measurement)
            .service(ledger::delete_target_measurement)
            .service(links::list_links)
            .service(links::create_link)
            .service(links::delete_link)
            .service(search::search_everything)
            .service(tabular::import::create_import)
            // Before `/imports/{id}`, which would otherwise take `columns` for an id.
            .service(tabular::import::import_columns)
            .service(tabular::import::get_import)
            .service(wareki::parse),
    )
    .service(health::healthz)
    .service(health::readyz);
}

pub fn build_app(
    state: web::Data<AppState>,
    http: HttpSettings,
    openapi_json: Arc<String>,
    routes: web::Data<routing::RouteTable>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, _) = App::new()
        .into_utoipa_app()
        .configure(register_routes)
        .split_for_parts();
    let mut app = app
        .app_data(state)
        .app_data(routes)
        .app_data(extract::BodyLimit(http.json_body_limit))
        .app_data(extract::query_config())
        .app_data(extract::path_config())
        .route(
            "/api/openapi.json",
            web::get().to(move || {
                let json = Arc::clone(&openapi_json);
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(json.as_str().to_owned())
                }
            }),
        )
        .service(web::redirect("/api/docs", "/api/docs/"))
        .service(
            utoipa_swagger_ui::SwaggerUi::new("/api/docs/{_:.*}")
                .config(utoipa_swagger_ui::Config::from("/api/openapi.json")),
        );
    if let Some(dist) = http
        .web_dist
        .clone()
        .filter(|d| d.join("index.html").is_file())
    {
        let index_dir = dist.clone();
        app = app
            .app_data(web::Data::new(routing::SpaDist(dist.clone())))
            .service(
                actix_files::Files::new("/", dist)
                    .index_file("index.html")
                    .guard(guard::fn_guard(|ctx| {
                        let path = ctx.head().uri.path();
                        !(path == "/api" || path.starts_with("/api/"))
                    }))
                    .default_handler(web::to(move |req: actix_web::HttpRequest| {
                        let dir = index_dir.clone();
                        async move { routing::spa_index(&req, &dir) }
                    })),
            );
    }
    app.default_service(web::to(routing::fallback))
        // Inside compression, so a recorded response is stored as the handler wrote it.
        .wrap(actix_web::middleware::from_fn(
            idempotency::idempotent_creates,
        ))
        // Outside the idempotency layer: a caller the gate refuses never reserves a key.
        .wrap(actix_web::middleware::from_fn(middleware::operation_gate))
        .wrap(actix_web::middleware::from_fn(
            middleware::pace_jobs_around_writes,
        ))
        .wrap(actix_web::middleware::Compress::default())
        .wrap(actix_web::middleware::from_fn(middleware::request_context))
}
