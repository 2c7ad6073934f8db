//! 服务执行: service requests. A member of a community files one (报修, 保洁, 证明办理, …); it
//! goes to the desk its kind belongs to — the property manager, or the residents' committee
//! (also when the community has no property manager) — whose people are told at once. The
//! desk accepts it and marks it done with a reply; the requester is told and rates it. Who
//! may see and handle a request is `authz` (`ReadServiceRequest`, `HandleServiceRequest`).

use crate::community::text;
use crate::{App, AppError, Result, Session};
use palmgrid_domain::RegionCode;
use palmgrid_domain::authz::{Action, Resource};
use palmgrid_domain::community::{SERVICE_KINDS, ServiceDesk, service_desk, service_step};
use palmgrid_store::{NotificationRow, ServiceRequestRow};

/// A new service request.
#[derive(Debug, Clone, Default)]
pub struct NewServiceRequest {
    pub kind: String,
    pub description: String,
    pub address: String,
}

/// A request with what the reader may do with it.
#[derive(Debug, Clone)]
pub struct ServiceRequest {
    pub row: ServiceRequestRow,
    pub community_code: String,
    pub requester_name: String,
    pub handler_name: Option<String>,
    pub may_handle: bool,
    pub mine: bool,
}

/// The 中文 name of a kind of request.
pub fn kind_name(kind: &str) -> &'static str {
    SERVICE_KINDS.iter().find(|(k, _, _)| *k == kind).map(|(_, n, _)| *n).unwrap_or("其他")
}

fn resource(code: &RegionCode, r: &ServiceRequestRow, s: &Session) -> Resource {
    Resource::ServiceRequest {
        community: code.clone(),
        desk: ServiceDesk::parse(&r.desk).unwrap_or(ServiceDesk::Committee),
        requester: r.requester_id == s.user_id,
    }
}

impl App {
    /// Files a service request (members who take part in the community).
    pub async fn file_service_request(
        &self,
        s: &Session,
        code: &str,
        new: NewServiceRequest,
    ) -> Result<ServiceRequest> {
        let c = RegionCode::parse(code).map_err(|e| AppError::Validation(e.to_string()))?;
        let space = Resource::Community(c.clone());
        self.authorize(s, Action::ReadCommunity, &space).map_err(|_| AppError::NotFound)?;
        self.authorize(s, Action::TakePart, &space)?;
        let community = self.store.region_by_code(code).await?.ok_or(AppError::NotFound)?;
        if community.level != "community" {
            return Err(AppError::Validation(format!("{code} is not a community")));
        }
        let mut desk = service_desk(&new.kind).ok_or_else(|| {
            let kinds: Vec<&str> = SERVICE_KINDS.iter().map(|(k, _, _)| *k).collect();
            AppError::Validation(format!("kind must be one of {}", kinds.join(", ")))
        })?;
        let description = text("description", &new.description, 2000)?;
        let address = text("address", &new.address, 200)?;
        // Without a property manager, the committee takes property matters too.
        let mut handlers = self.desk_people(&c, desk).await?;
        if handlers.is_empty() && desk == ServiceDesk::Property {
            desk = ServiceDesk::Committee;
            handlers = self.desk_people(&c, desk).await?;
        }
        let now = self.now_ms();
        let row = ServiceRequestRow {
            id: uuid::Uuid::new_v4().to_string(),
            community_id: community.id,
            requester_id: s.user_id.clone(),
            kind: new.kind,
            desk: desk.as_str().into(),
            description,
            address,
            state: "open".into(),
            handler_id: None,
            reply: None,
            rating: None,
            rating_comment: None,
            created_ms: now,
            updated_ms: now,
            done_ms: None,
        };
        self.store.insert_service_request(&row).await?;
        let title = format!("新的{}请求：{}", kind_name(&row.kind), row.address);
        let others = handlers.iter().map(String::as_str).filter(|u| *u != s.user_id);
        self.tell_users(others, &row.id, &title, now).await?;
        self.service_view(s, row, &c).await
    }

    /// Who works a desk of a community: its property managers, or its secretary and officers.
    async fn desk_people(&self, c: &RegionCode, desk: ServiceDesk) -> Result<Vec<String>> {
        let roles: &[&str] = match desk {
            ServiceDesk::Property => &["property_manager"],
            ServiceDesk::Committee => &["community_secretary", "grid_officer"],
        };
        Ok(self.store.members_under(c.as_str(), roles).await?.into_iter().map(|(id, _)| id).collect())
    }

    async fn tell_users<'a>(
        &self,
        users: impl Iterator<Item = &'a str>,
        request_id: &str,
        title: &str,
        now: i64,
    ) -> Result<()> {
        let notes: Vec<NotificationRow> = users
            .map(|u| NotificationRow {
                id: 0,
                user_id: u.to_string(),
                case_id: None,
                kind: "service_request".into(),
                title: title.to_string(),
                created_ms: now,
                read_ms: None,
                subject: Some(format!("service_request:{request_id}")),
            })
            .collect();
        self.notify(notes).await
    }

    async fn service_view(&self, s: &Session, row: ServiceRequestRow, c: &RegionCode) -> Result<ServiceRequest> {
        let ids: Vec<String> = std::iter::once(row.requester_id.clone()).chain(row.handler_id.clone()).collect();
        let names = self.store.display_names(&ids).await?;
        Ok(self.service_view_named(s, row, c, &names))
    }

    /// A request as the session sees it, with names looked up beforehand.
    fn service_view_named(
        &self,
        s: &Session,
        row: ServiceRequestRow,
        c: &RegionCode,
        names: &std::collections::HashMap<String, String>,
    ) -> ServiceRequest {
        let name = |id: &str| names.get(id).cloned().unwrap_or_default();
        let may_handle = self.authorize(s, Action::HandleServiceRequest, &resource(c, &row, s)).is_ok();
        ServiceRequest {
            requester_name: name(&row.requester_id),
            handler_name: row.handler_id.as_deref().map(name),
            community_code: c.as_str().to_string(),
            mine: row.requester_id == s.user_id,
            may_handle,
            row,
        }
    }

    /// A request and its community, if the session may see it (else 404).
    async fn readable_request(&self, s: &Session, id: &str) -> Result<(ServiceRequestRow, RegionCode)> {
        let row = self.store.service_request(id).await?.ok_or(AppError::NotFound)?;
        let region = self.store.region(&row.community_id).await?.ok_or(AppError::NotFound)?;
        let c = RegionCode::parse(&region.code).map_err(|e| AppError::Internal(e.to_string()))?;
        self.authorize(s, Action::ReadServiceRequest, &resource(&c, &row, s)).map_err(|_| AppError::NotFound)?;
        Ok((row, c))
    }

    /// The community's requests the session may see: its own, its desk's, or all for the staff.
    pub async fn list_service_requests(&self, s: &Session, code: &str) -> Result<Vec<ServiceRequest>> {
        let c = RegionCode::parse(code).map_err(|e| AppError::Validation(e.to_string()))?;
        self.authorize(s, Action::ReadCommunity, &Resource::Community(c.clone())).map_err(|_| AppError::NotFound)?;
        let community = self.store.region_by_code(code).await?.ok_or(AppError::NotFound)?;
        // The desks whose requests the session reads besides its own, so the database
        // filters before the limit; authz still decides each row.
        let desks: Vec<&str> = [ServiceDesk::Property, ServiceDesk::Committee]
            .into_iter()
            .filter(|&desk| {
                let r = Resource::ServiceRequest { community: c.clone(), desk, requester: false };
                self.authorize(s, Action::ReadServiceRequest, &r).is_ok()
            })
            .map(ServiceDesk::as_str)
            .collect();
        let rows: Vec<ServiceRequestRow> = self
            .store
            .list_service_requests(&community.id, &s.user_id, &desks)
            .await?
            .into_iter()
            .filter(|row| self.authorize(s, Action::ReadServiceRequest, &resource(&c, row, s)).is_ok())
            .collect();
        let mut ids: Vec<String> =
            rows.iter().flat_map(|r| std::iter::once(r.requester_id.clone()).chain(r.handler_id.clone())).collect();
        ids.sort();
        ids.dedup();
        let names = self.store.display_names(&ids).await?;
        Ok(rows.into_iter().map(|row| self.service_view_named(s, row, &c, &names)).collect())
    }

    pub async fn service_request(&self, s: &Session, id: &str) -> Result<ServiceRequest> {
        let (row, c) = self.readable_request(s, id).await?;
        self.service_view(s, row, &c).await
    }

    /// A step on a request: `accept` and `done` (with a reply) by its desk, `cancel` by the
    /// requester. The requester is told when it is accepted or done.
    pub async fn service_request_step(
        &self,
        s: &Session,
        id: &str,
        step: &str,
        reply: Option<&str>,
    ) -> Result<ServiceRequest> {
        let (row, c) = self.readable_request(s, id).await?;
        let handler = self.authorize(s, Action::HandleServiceRequest, &resource(&c, &row, s)).is_ok();
        let requester = row.requester_id == s.user_id;
        if !matches!(step, "accept" | "done" | "cancel") {
            return Err(AppError::Validation("step must be accept, done or cancel".into()));
        }
        let Some(to) = service_step(&row.state, step, handler, requester) else {
            let allowed = service_step(&row.state, step, true, true).is_some();
            return Err(if !allowed {
                AppError::Conflict(format!("a {} request cannot be {step}ed", row.state))
            } else {
                AppError::Forbidden
            });
        };
        let reply = match (step, reply) {
            ("done", Some(r)) => Some(text("reply", r, 2000)?),
            ("done", None) => return Err(AppError::Validation("say what was done (reply)".into())),
            _ => None,
        };
        let now = self.now_ms();
        let who = handler.then_some(s.user_id.as_str());
        self.store.move_service_request(id, &row.state, to, who, reply.as_deref(), now).await?;
        if handler && !requester {
            let title = match to {
                "accepted" => format!("您的{}请求已受理", kind_name(&row.kind)),
                _ => format!("您的{}请求已办结，请评价", kind_name(&row.kind)),
            };
            self.tell_users(std::iter::once(row.requester_id.as_str()), &row.id, &title, now).await?;
        }
        let row = self.store.service_request(id).await?.ok_or(AppError::NotFound)?;
        self.service_view(s, row, &c).await
    }

    /// The requester rates a done request, 1–5, once.
    pub async fn rate_service_request(
        &self,
        s: &Session,
        id: &str,
        rating: i64,
        comment: Option<&str>,
    ) -> Result<ServiceRequest> {
        let (row, c) = self.readable_request(s, id).await?;
        if row.requester_id != s.user_id {
            return Err(AppError::Forbidden);
        }
        if !(1..=5).contains(&rating) {
            return Err(AppError::Validation("rating is 1 to 5".into()));
        }
        let comment = comment.map(|c| text("comment", c, 500)).transpose()?;
        self.store.rate_service_request(id, rating, comment.as_deref(), self.now_ms()).await?;
        let row = self.store.service_request(id).await?.ok_or(AppError::NotFound)?;
        self.service_view(s, row, &c).await
    }
}
