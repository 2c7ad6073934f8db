//! HTTP tests against the real router on 127.0.0.1:0, on SQLite and PostgreSQL.

use palmgrid_api::ApiState;
use palmgrid_app::{App, AuditSigner, AuthConfig, demo};
use palmgrid_domain::Zone;
use palmgrid_domain::clock::ManualClock;
use palmgrid_store::Backend;
use palmgrid_store::testing::TestDb;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

struct TestApp {
    base: String,
    client: reqwest::Client,
    db: TestDb,
    app: App,
    clock: ManualClock,
    shutdown: tokio::sync::oneshot::Sender<()>,
}

impl TestApp {
    async fn spawn(backend: Backend, opts: impl Into<Opts>) -> Option<TestApp> {
        let Opts { auth, allow_local, record } = opts.into();
        let db = TestDb::new(backend).await?;
        let clock = ManualClock::new(T0);
        let mut app = App::new(db.store.clone(), Arc::new(clock.clone()), auth, AuditSigner::ephemeral());
        app.allow_local_camera_urls = allow_local;
        if record {
            app.enable_recording(db.dir.join("recordings")).await.unwrap();
        }
        demo::seed(&app).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let state = ApiState { app: app.clone(), zone: Zone::Internet, cookie_secure: false };
        tokio::spawn(palmgrid_api::serve(listener, state, async {
            let _ = rx.await;
        }));
        Some(TestApp {
            base: format!("http://{addr}"),
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            db,
            app,
            clock,
            shutdown: tx,
        })
    }

    async fn stop(self) {
        let _ = self.shutdown.send(());
        self.db.cleanup().await;
    }

    async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status();
        let text = resp.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    /// Logs each demo account in: its bearer token by user name.
    async fn logins(&self, users: &[&'static str]) -> std::collections::HashMap<&'static str, String> {
        let mut tok = std::collections::HashMap::new();
        for u in users {
            tok.insert(*u, self.login(u).await);
        }
        tok
    }

    async fn login(&self, user: &str) -> String {
        let (s, v) = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"username": user, "password": demo::DEMO_PASSWORD})),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{user}: {v}");
        v["token"].as_str().unwrap().to_owned()
    }
}

/// Test server options: security settings, and whether camera URLs may be on loopback
/// (needed to reach simulated cameras).
/// The test server's clock (recordings are anchored to it).
const T0: i64 = 1_800_000_000_000;

struct Opts {
    auth: AuthConfig,
    allow_local: bool,
    record: bool,
}

impl From<AuthConfig> for Opts {
    fn from(auth: AuthConfig) -> Self {
        Opts { auth, allow_local: false, record: false }
    }
}

fn with_local_cameras(auth: AuthConfig) -> Opts {
    Opts { auth, allow_local: true, record: false }
}

/// Loopback cameras, and a recorder writing into the test's directory.
fn recording(auth: AuthConfig) -> Opts {
    Opts { auth, allow_local: true, record: true }
}

fn demo_auth() -> AuthConfig {
    AuthConfig { enforce_totp: false, ..AuthConfig::for_tests() }
}

macro_rules! http_test {
    ($name:ident, $auth:expr, |$t:ident| $body:block) => {
        mod $name {
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                let ta = TestApp::spawn(Backend::Sqlite, $auth).await.unwrap();
                {
                    let $t = &ta;
                    $body
                }
                ta.stop().await;
            }
            #[tokio::test]
            async fn postgres() {
                let Some(ta) = TestApp::spawn(Backend::Postgres, $auth).await else {
                    return;
                };
                {
                    let $t = &ta;
                    $body
                }
                ta.stop().await;
            }
        }
    };
}

http_test!(health_headers_and_errors, demo_auth(), |t| {
    let resp = t.client.get(format!("{}/healthz", t.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let h = resp.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    let (s, v) = t.call(Method::GET, "/api/v1/no-such-route", None, None).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (s, v) = t.call(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": 1}))).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::BAD_REQUEST, Some("bad_request")), "{v}");
    let big = "x".repeat(2 * 1024 * 1024);
    let (s, v) =
        t.call(Method::POST, "/api/v1/auth/login", None, Some(json!({"username": big, "password": "p"}))).await;
    assert_eq!((s, v["error"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("payload_too_large")), "{v}");
    // Client-side routes of the web app get index.html; missing files 404.
    let resp = t.client.get(format!("{}/cases/123", t.base)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let resp = t.client.get(format!("{}/assets/missing.js", t.base)).send().await.unwrap();
    assert_eq!(resp.status(), 404);
});

http_test!(login_cookie_csrf_and_logout, demo_auth(), |t| {
    let resp = t
        .client
        .post(format!("{}/api/v1/auth/login", t.base))
        .json(&json!({"username": "Officer ", "password": demo::DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_owned();
    let me = t.client.get(format!("{}/api/v1/me", t.base)).header("cookie", &pair).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["user"]["username"], "officer");
    assert_eq!(me["tabs"], json!(["home", "video", "cases", "community", "me"]));
    assert_eq!(me["user"]["memberships"][0]["region_name"], "牛角巷第一网格");
    // A state-changing request with only the cookie and no client header is refused.
    let r = t.client.post(format!("{}/api/v1/auth/logout", t.base)).header("cookie", &pair).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = t
        .client
        .post(format!("{}/api/v1/auth/logout", t.base))
        .header("cookie", &pair)
        .header("x-palmgrid-client", "web")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert!(r.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    let me = t.client.get(format!("{}/api/v1/me", t.base)).header("cookie", &pair).send().await.unwrap();
    assert_eq!(me.status(), 401);
    // Residents see no video tab.
    let tok = t.login("resident").await;
    let (_, me) = t.call(Method::GET, "/api/v1/me", Some(&tok), None).await;
    assert_eq!(me["tabs"], json!(["home", "cases", "community", "me"]));
});

http_test!(lockout_is_visible_to_the_auditor, demo_auth(), |t| {
    let wrong = json!({"username": "resident", "password": "not-the-password"});
    let mut codes = Vec::new();
    for _ in 0..6 {
        let (s, v) = t.call(Method::POST, "/api/v1/auth/login", None, Some(wrong.clone())).await;
        codes.push((s.as_u16(), v["error"].as_str().unwrap().to_owned()));
    }
    let right = json!({"username": "resident", "password": demo::DEMO_PASSWORD});
    let (s, v) = t.call(Method::POST, "/api/v1/auth/login", None, Some(right)).await;
    codes.push((s.as_u16(), v["error"].as_str().unwrap().to_owned()));
    let expected: Vec<(u16, String)> = [401, 401, 401, 401, 401, 429, 429]
        .iter()
        .map(|&c| (c, if c == 401 { "invalid_credentials" } else { "account_locked" }.to_owned()))
        .collect();
    assert_eq!(codes, expected);
    let auditor = t.login("auditor").await;
    let (s, v) = t.call(Method::GET, "/api/v1/audit?actor=resident&limit=50", Some(&auditor), None).await;
    assert_eq!(s, 200, "{v}");
    let items = v["items"].as_array().unwrap();
    let count =
        |action: &str, result: &str| items.iter().filter(|e| e["action"] == action && e["result"] == result).count();
    assert_eq!(count("auth.login", "failed"), 5);
    assert_eq!(count("auth.lockout", "ok"), 1);
    assert_eq!(count("auth.login", "denied"), 2);
    assert!(items.iter().all(|e| e["source"].as_str().unwrap().starts_with("127.0.0.1:")));
    let (s, _) = t.call(Method::GET, "/api/v1/audit?since=yesterday", Some(&auditor), None).await;
    assert_eq!(s, 400);
});

http_test!(totp_is_enforced_for_admins, AuthConfig::for_tests(), |t| {
    let admin = t.login("admin").await;
    let (s, v) = t.call(Method::GET, "/api/v1/users", Some(&admin), None).await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (403, Some("totp_enrolment_required")));
    let (_, me) = t.call(Method::GET, "/api/v1/me", Some(&admin), None).await;
    assert_eq!((me["totp_pending"].as_bool(), me["tabs"].clone()), (Some(true), json!(["home", "me"])));
    let (s, e) = t.call(Method::POST, "/api/v1/auth/totp/enroll", Some(&admin), None).await;
    assert_eq!(s, 200);
    assert_eq!(e["recovery_codes"].as_array().unwrap().len(), 10);
    let secret = data_encoding::BASE32_NOPAD.decode(e["secret_base32"].as_str().unwrap().as_bytes()).unwrap();
    let code = palmgrid_domain::totp::code_at(&secret, t.app.now_ms() / 1000);
    let (s, _) = t.call(Method::POST, "/api/v1/auth/totp/confirm", Some(&admin), Some(json!({"code": code}))).await;
    assert_eq!(s, 204);
    let (s, _) = t.call(Method::GET, "/api/v1/users", Some(&admin), None).await;
    assert_eq!(s, 200);
    let (s, v) = t
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "admin", "password": demo::DEMO_PASSWORD})),
        )
        .await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (401, Some("totp_required")));
});

/// A body that makes each write route do real work (or fail validation the same way for
/// every role), so the matrix shows authorisation, not body parsing.
fn body_for(method: &Method, path: &str) -> Option<Value> {
    let b = match (method.as_str(), path) {
        ("POST", "/api/v1/auth/login") => {
            json!({"username": "nobody", "password": "wrong-password"})
        }
        ("POST", "/api/v1/me/password") => {
            json!({"old_password": "wrong-password", "new_password": "x"})
        }
        ("POST", "/api/v1/auth/totp/confirm") => json!({"code": "abcdef"}),
        ("POST", "/api/v1/users") => {
            json!({"username": "matrix", "display_name": "矩阵", "password": "matrix-password-1"})
        }
        ("PATCH", "/api/v1/users/{id}") => json!({}),
        ("POST", "/api/v1/users/{id}/memberships") => {
            json!({"role": "resident", "region_code": "430407001001"})
        }
        ("POST", "/api/v1/regions") => json!({"code": "430407009", "name": "测试街道"}),
        ("PATCH", "/api/v1/regions/{id}") => json!({"name": "牛角巷第一网格"}),
        ("POST", "/api/v1/cameras") => {
            json!({"name": "矩阵摄像机", "url": "rtsp://u:p@10.0.0.9/main", "grid_code": "430407001001001"})
        }
        ("PATCH", "/api/v1/cameras/{id}") => json!({"name": "牛角巷口"}),
        ("PUT", "/api/v1/cameras/{id}/privacy-mask") => json!({"regions": []}),
        ("POST", "/api/v1/communities/{code}/topics") => json!({"title": "矩阵议题", "body": "矩阵"}),
        ("POST", "/api/v1/communities/{code}/invites") => json!({"address": "牛角巷 1 号"}),
        ("POST", "/api/v1/join") => {
            json!({"code": "WRONGCODE0000000", "username": "matrix", "display_name": "矩阵", "password": "matrix-password-1"})
        }
        ("POST", "/api/v1/communities/{code}/action-items") => json!({"title": "矩阵事项", "owner_id": "nobody"}),
        ("POST", "/api/v1/action-items/{id}/updates") => json!({"body": "矩阵", "progress": 10}),
        ("POST", "/api/v1/cases") => {
            json!({"category": "E0101", "description": "矩阵测试", "lon": 112.5995, "lat": 26.8933})
        }
        ("POST", "/api/v1/cases/{id}/actions") => json!({"action": "register"}),
        ("POST", "/api/v1/cases/{id}/videos") => {
            json!({"camera_id": "00000000-0000-4000-8000-000000000000", "start": "2027-01-15T15:00:00+08:00",
                   "end": "2027-01-15T15:01:00+08:00"})
        }
        ("POST", "/api/v1/notifications/read") => json!({"up_to": 0}),
        ("POST", "/api/v1/api-keys") => json!({"label": "矩阵"}),
        ("PUT", "/api/v1/case-routes") => {
            json!({"category": "E0101", "region_code": "430407001001001", "lead": "sanitation"})
        }
        // Re-imports one demo grid as it is: 200 for an admin, and nothing changes.
        ("POST", "/api/v1/regions/import") => {
            let demo: Value = serde_json::from_str(demo::DEMO_DISTRICT_GEOJSON).unwrap();
            let grid =
                demo["features"].as_array().unwrap().iter().find(|f| f["properties"]["code"] == "430407001001001");
            json!({"type": "FeatureCollection", "features": [grid.unwrap()]})
        }
        _ => return None,
    };
    Some(b)
}

http_test!(route_matrix_covers_every_route, demo_auth(), |t| {
    let (_, doc) = t.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    let mut ops: Vec<(Method, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_some() {
                ops.push((Method::from_bytes(m.to_uppercase().as_bytes()).unwrap(), path.clone()));
            }
        }
    }
    // Deletions go after everything else on the same objects; logout ends the session,
    // so it goes last.
    ops.sort_by_key(|(m, p)| (p == "/api/v1/auth/logout", *m == Method::DELETE, p.clone(), m.to_string()));
    assert!(ops.len() >= 18, "{ops:?}");
    let officer = t.app.store.user_by_username("officer").await.unwrap().unwrap();
    let grid = t.app.store.region_by_code("430407001001001").await.unwrap().unwrap();
    let camera = seed_camera(t, "牛角巷口", "430407001001001").await;
    let roles = ["resident", "officer", "auditor", "admin"];
    let mut tokens = vec![None];
    for r in roles {
        tokens.push(Some(t.login(r).await));
    }
    let case = {
        let body = body_for(&Method::POST, "/api/v1/cases");
        let (s, v) = t.call(Method::POST, "/api/v1/cases", tokens[2].as_deref(), body).await;
        assert_eq!(s, 201, "{v}");
        v["case"]["id"].as_str().unwrap().to_owned()
    };
    let mut out = String::from(
        "# Route × role matrix\n\nGenerated by `palmgrid-api`'s test `route_matrix_covers_every_route`, which calls every\n\
         route of the OpenAPI document as each demo role; do not edit by hand \
         (`UPDATE_EXPECT=1 cargo test -p palmgrid-api` after a change).\n\
         `{id}` is the officer's user id, the officer's grid, a camera in that grid, a case the officer\n\
         reported there, or an unknown membership, topic or action item; `{code}` is the officer's\n\
         community; the lookup asks for a point in the officer's grid.\n\n\
         | route | no token | resident | officer | auditor | admin |\n|---|---|---|---|---|---|\n",
    );
    for (method, path) in &ops {
        let concrete = path
            .replace("/users/{id}", &format!("/users/{}", officer.id))
            .replace("/regions/{id}", &format!("/regions/{}", grid.id))
            .replace("/memberships/{id}", "/memberships/00000000-0000-4000-8000-000000000000")
            .replace("/cameras/{id}", &format!("/cameras/{camera}"))
            .replace("/cases/{id}", &format!("/cases/{case}"))
            .replace("/evidence/{evidence_id}", "/evidence/00000000-0000-4000-8000-000000000000")
            .replace(
                "/departments/{code}/members/{user_id}",
                &format!("/departments/sanitation/members/{}", officer.id),
            )
            .replace("/communities/{code}", "/communities/430407001001")
            .replace("/grids/{id}", &format!("/grids/{}", grid.id))
            .replace("/grids/lookup", "/grids/lookup?lon=112.5995&lat=26.8933")
            .replace("/hls/{file}", "/hls/init.mp4");
        out.push_str(&format!("| {method} {path} |"));
        for (i, tok) in tokens.iter().enumerate() {
            let (s, v) = t.call(method.clone(), &concrete, tok.as_deref(), body_for(method, path)).await;
            let public = path == "/api/v1/auth/login" || path == "/api/v1/openapi.json" || path == "/api/v1/join";
            if tok.is_none() && !public {
                assert_eq!(s, 401, "{method} {path} without a token: {v}");
            }
            if i == 1
                && (path.starts_with("/api/v1/users")
                    || path.starts_with("/api/v1/memberships")
                    || path == "/api/v1/audit")
            {
                assert_eq!(s, 403, "resident on admin route {method} {path}: {v}");
            }
            // A resident gets no camera media from any route: no video, no playlist, no
            // camera picture (a topic's masked PNG is the one picture meant for them).
            if i == 1 && *method == Method::GET {
                let r = t.client.get(format!("{}{concrete}", t.base)).bearer_auth(tok.as_deref().unwrap()).send().await;
                let r = r.unwrap();
                let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let media = ct.starts_with("video/") || ct.starts_with("image/") || ct.contains("mpegurl");
                let masked = path == "/api/v1/topics/{id}/evidence.png";
                assert!(!(r.status().is_success() && media) || masked, "resident got {ct} from {path}");
            }
            out.push_str(&format!(" {} |", s.as_u16()));
        }
        out.push('\n');
    }
    expect_test::expect_file!["../../../../docs/routes.md"].assert_eq(&out);
});

#[test]
fn openapi_document_is_current_in_the_web_app() {
    let doc = serde_json::to_string_pretty(palmgrid_api::routes::openapi()).unwrap() + "\n";
    expect_test::expect_file!["../../../../web/openapi.json"].assert_eq(&doc);
}

/// Inserts a camera directly (no HTTP) and returns its id.
async fn seed_camera(t: &TestApp, name: &str, grid_code: &str) -> String {
    let grid = t.app.store.region_by_code(grid_code).await.unwrap().unwrap();
    let id = palmgrid_domain::CameraId::new().to_string();
    let row = palmgrid_store::CameraRow {
        id: id.clone(),
        name: name.into(),
        grid_id: Some(grid.id),
        grid_code: Some(grid.code),
        zone: "government".into(),
        lon: None,
        lat: None,
        main_url: "rtsp://10.0.0.1/main".into(),
        sub_url: None,
        transport: "tcp".into(),
        record: true,
        retain_days: 30,
        quota_mb: None,
        created_ms: 0,
        updated_ms: 0,
    };
    t.app.store.insert_camera(&row, Some(("u", "p"))).await.unwrap();
    id
}

http_test!(cameras_are_scoped_and_never_leak_credentials, demo_auth(), |t| {
    let admin = t.login("admin").await;
    let body = json!({"name": "人民路口", "url": "rtsp://admin:hunter2-secret@10.1.2.3:554/ch1",
                      "grid_code": "430407001002001", "lon": 112.609483, "lat": 26.894254});
    let (s, v) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["url"], "rtsp://10.1.2.3:554/ch1");
    let other = v["id"].as_str().unwrap().to_owned();
    let mine = seed_camera(t, "牛角巷口", "430407001001001").await;
    for (body, what) in [
        (json!({"name": "x", "url": "rtsp://127.0.0.1/x", "grid_code": "430407001001001"}), "loopback"),
        (json!({"name": "x", "url": "http://10.0.0.1/x", "grid_code": "430407001001001"}), "scheme"),
        (json!({"name": "x", "url": "rtsp://10.0.0.1/x", "grid_code": "430407001001"}), "community, not grid"),
        (
            json!({"name": "x", "url": "rtsp://10.0.0.1/x", "grid_code": "430407001001001", "lon": 500.0, "lat": 1.0}),
            "lon",
        ),
    ] {
        let (s, v) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
        assert_eq!((s.as_u16(), v["error"].as_str()), (422, Some("invalid_input")), "{what}: {v}");
    }
    // A police-zone camera cannot even be addressed from the internet listener.
    let police =
        json!({"name": "x", "url": "rtsp://10.9.9.9/x", "grid_code": "430407001001001", "zone": "police_video"});
    let (s, _) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(police)).await;
    assert_eq!(s, 404);
    let (s, v) = t
        .call(Method::PATCH, &format!("/api/v1/cameras/{other}"), Some(&admin), Some(json!({"zone": "internet"})))
        .await;
    assert_eq!(s, 422, "{v}");

    let officer = t.login("officer").await;
    let (s, v) = t.call(Method::GET, "/api/v1/cameras", Some(&officer), None).await;
    assert_eq!(s, 200);
    let ids: Vec<&str> = v["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [mine.as_str()], "the officer sees only the camera of their grid");
    assert!(v["items"][0]["url"].is_null(), "officers do not see stream URLs");
    let (s, _) = t.call(Method::GET, &format!("/api/v1/cameras/{other}"), Some(&officer), None).await;
    assert_eq!(s, 404);
    let resident = t.login("resident").await;
    let (s, _) = t.call(Method::GET, "/api/v1/cameras", Some(&resident), None).await;
    assert_eq!(s, 403);
    // The password appears in no response and in no audit entry.
    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=camera.&limit=100", Some(&auditor), None).await;
    assert!(!log.to_string().contains("hunter2"), "{log}");
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    let (_, all) = t.call(Method::GET, "/api/v1/cameras", Some(&admin), None).await;
    assert!(!all.to_string().contains("hunter2"));
});

/// A simulated camera served over RTSP on loopback; returns its URL.
async fn simcam(kind: palmgrid_simcam::scene::SceneKind) -> String {
    use palmgrid_media::hub::LiveStream;
    use palmgrid_media::rtsp_server::{StaticMounts, serve};
    use palmgrid_simcam::encode::{StreamSpec, encode_clip, replay};
    let clip = Arc::new(encode_clip(&palmgrid_simcam::scene::Scene::new(kind, 4.0, 7), StreamSpec::SUB, 4.0).unwrap());
    let live = LiveStream::default();
    tokio::spawn(replay(clip, live.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mounts = StaticMounts(Arc::new(std::collections::HashMap::from([("sim".to_owned(), live)])));
    tokio::spawn(serve(listener, Arc::new(mounts)));
    format!("rtsp://{addr}/sim")
}

fn ffprobe_available() -> bool {
    match std::process::Command::new("ffprobe").arg("-version").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var("PALMGRID_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => panic!("ffprobe required"),
        _ => {
            eprintln!("SKIPPED ffprobe checks: ffprobe not installed (apt-get install ffmpeg)");
            false
        }
    }
}

http_test!(live_ws_streams_fmp4_that_ffprobe_reads_and_audits_once, with_local_cameras(demo_auth()), |t| {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let url = simcam(palmgrid_simcam::scene::SceneKind::PeopleWalking).await;
    let admin = t.login("admin").await;
    let body = json!({"name": "牛角巷口", "url": url, "grid_code": "430407001001001"});
    let (s, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{cam}");
    let id = cam["id"].as_str().unwrap().to_owned();
    assert_eq!(cam["status"], "idle", "on demand: nobody watches yet");

    let officer = t.login("officer").await;
    // Not a WebSocket: a clear error, and no audit entry.
    let (s, v) =
        t.call(Method::GET, &format!("/api/v1/cameras/{id}/live.ws?purpose=patrol"), Some(&officer), None).await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (400, Some("websocket_required")));
    let resident = t.login("resident").await;
    let (s, _) = t.call(Method::GET, &format!("/api/v1/cameras/{id}/live.ws?purpose=x"), Some(&resident), None).await;
    assert_eq!(s, 404, "residents never reach camera media");

    let ws_url = format!("{}/api/v1/cameras/{id}/live.ws?purpose=%E5%B7%A1%E6%9F%A5", t.base.replace("http", "ws"));
    let mut req = ws_url.into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {officer}").parse().unwrap());
    let started = std::time::Instant::now();
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let mut texts = Vec::new();
    let mut bytes = Vec::new();
    let mut first_fragment_at = None;
    let mut fragments = 0;
    while fragments < 140 {
        match tokio::time::timeout(std::time::Duration::from_secs(10), socket.next()).await.unwrap().unwrap().unwrap() {
            Message::Text(t) => texts.push(t.to_string()),
            Message::Binary(b) => {
                if bytes.is_empty() {
                    assert_eq!(&b[4..8], b"ftyp", "first binary message is the init segment");
                } else {
                    fragments += 1;
                    first_fragment_at.get_or_insert(started.elapsed());
                }
                bytes.extend_from_slice(&b);
            }
            _ => {}
        }
    }
    drop(socket);
    let meta: Value = serde_json::from_str(&texts[0]).unwrap();
    assert_eq!(
        (meta["type"].as_str(), meta["width"].as_i64(), meta["height"].as_i64()),
        (Some("init"), Some(640), Some(360))
    );
    eprintln!("cold start to first fragment: {:?}", first_fragment_at.unwrap());

    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=video.&limit=100", Some(&auditor), None).await;
    let views: Vec<&Value> = log["items"].as_array().unwrap().iter().collect();
    assert_eq!(views.len(), 1, "exactly one audit entry per view: {log}");
    assert_eq!(views[0]["actor_name"], "officer");
    assert_eq!(views[0]["target"], format!("camera:{id}"));
    assert_eq!(views[0]["details"]["purpose"], "巡查");
    assert!(views[0]["details"]["from_ms"].is_i64());

    let (_, cam) = t.call(Method::GET, &format!("/api/v1/cameras/{id}"), Some(&admin), None).await;
    assert_eq!(cam["status"], "online");

    // A snapshot is a JPEG of the scene, audited with its purpose.
    let resp = t
        .client
        .get(format!("{}/api/v1/cameras/{id}/snapshot.jpg?purpose=patrol", t.base))
        .bearer_auth(&officer)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/jpeg");
    let jpeg = resp.bytes().await.unwrap();
    assert_eq!(&jpeg[..3], &[0xFF, 0xD8, 0xFF]);
    let (s, _) = t.call(Method::GET, &format!("/api/v1/cameras/{id}/snapshot.jpg"), Some(&officer), None).await;
    assert_eq!(s, 422, "purpose is required");
    let (s, _) =
        t.call(Method::GET, &format!("/api/v1/cameras/{id}/snapshot.jpg?purpose=x"), Some(&resident), None).await;
    assert_eq!(s, 404);
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=video.snapshot&limit=100", Some(&auditor), None).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 1, "{log}");
    if !ffprobe_available() {
        return;
    }
    let path = t.db.dir.join("live.mp4");
    std::fs::write(&path, &bytes).unwrap();
    let probe = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames:format=duration",
        ])
        .args(["-of", "json"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(probe.status.success() && probe.stderr.is_empty(), "{}", String::from_utf8_lossy(&probe.stderr));
    let v: Value = serde_json::from_slice(&probe.stdout).unwrap();
    assert_eq!(v["streams"][0]["codec_name"], "h264");
    assert_eq!((v["streams"][0]["width"].as_i64(), v["streams"][0]["height"].as_i64()), (Some(640), Some(360)));
    let duration: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!(duration >= 5.0, "at least 5 s of video: {duration}");
});

/// Starts GStreamer's RTSP server (a camera that is not ours) with Basic authentication;
/// returns the process and the URL with credentials, or `None` (after saying why) when
/// GStreamer is not installed and not required.
async fn gst_camera() -> Option<(tokio::process::Child, String)> {
    use tokio::io::AsyncBufReadExt;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/peers/gst_rtsp_server.py");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let spawned = tokio::process::Command::new("/usr/bin/python3")
        .args([script, &port.to_string(), "cam-user", "cam-secret-123"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => return skip_gst(&e.to_string()),
    };
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    match tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line()).await {
        Ok(Ok(Some(l))) if l == "READY" => {
            Some((child, format!("rtsp://cam-user:cam-secret-123@127.0.0.1:{port}/test")))
        }
        other => {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = e.read_to_string(&mut err).await;
            }
            skip_gst(&format!("{other:?} {err}"))
        }
    }
}

fn skip_gst<T>(why: &str) -> Option<T> {
    if std::env::var("PALMGRID_REQUIRE_TOOLS").is_ok_and(|v| v == "1") {
        panic!("GStreamer RTSP server required but unavailable: {why}");
    }
    eprintln!(
        "SKIPPED GStreamer camera test: gst-rtsp-server unavailable ({why}); apt-get install gir1.2-gst-rtsp-server-1.0"
    );
    None
}

http_test!(a_gstreamer_camera_added_through_the_api_is_viewed_live_and_recorded, recording(demo_auth()), |t| {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let Some((_gst, url)) = gst_camera().await else { return };
    let admin = t.login("admin").await;
    let body = json!({"name": "GStreamer 测试摄像机", "url": url, "grid_code": "430407001001001"});
    let (s, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{cam}");
    assert!(!cam.to_string().contains("cam-secret"), "credentials never returned");
    let id = cam["id"].as_str().unwrap().to_owned();
    let ws_url = format!("{}/api/v1/cameras/{id}/live.ws?purpose=test", t.base.replace("http", "ws"));
    let mut req = ws_url.into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {admin}").parse().unwrap());
    let (mut socket, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let (mut meta, mut init, mut fragments) = (None, false, 0);
    while fragments < 50 {
        match tokio::time::timeout(std::time::Duration::from_secs(15), socket.next()).await.unwrap().unwrap().unwrap() {
            Message::Text(t) => meta = Some(serde_json::from_str::<Value>(&t).unwrap()),
            Message::Binary(b) if !init => {
                assert_eq!(&b[4..8], b"ftyp");
                init = true;
            }
            Message::Binary(b) => {
                assert_eq!(&b[4..8], b"moof");
                fragments += 1;
            }
            _ => {}
        }
    }
    let meta = meta.unwrap();
    assert_eq!((meta["width"].as_i64(), meta["height"].as_i64()), (Some(640), Some(360)));
    assert!(meta["codec"].as_str().unwrap().starts_with("avc1."));
    // Recorded too: 4 s of it play back as an MP4 that ffprobe reads.
    let (start, _) = wait_recorded(t, &admin, &id, 5_000).await;
    let path = format!("/api/v1/cameras/{id}/recording.mp4?start={}&end={}&purpose=test", q(start), q(start + 4_000));
    if ffprobe_available() {
        let v = ffprobe_url(t, &path, &admin).await;
        assert_eq!(v["streams"][0]["codec_name"], "h264");
        let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((d - 4.0).abs() < 0.1, "duration {d}");
        // And re-served to other platforms over our RTSP server.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mounts = Arc::new(palmgrid_app::rtsp::CameraMounts { app: t.app.clone(), zone: Zone::Internet });
        tokio::spawn(palmgrid_media::rtsp_server::serve(listener, mounts));
        let out = tokio::process::Command::new("ffprobe")
            .args(["-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name,width,height"])
            .args(["-of", "json", &format!("rtsp://admin:palmgrid-demo@{addr}/cameras/{id}")])
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            (v["streams"][0]["codec_name"].as_str(), v["streams"][0]["width"].as_i64()),
            (Some("h264"), Some(640))
        );
    }
});

http_test!(live_m3u8_plays_as_hls_and_audits_once_per_view, with_local_cameras(demo_auth()), |t| {
    let url = simcam(palmgrid_simcam::scene::SceneKind::StallSetUp).await;
    let admin = t.login("admin").await;
    let body = json!({"name": "菜场入口", "url": url, "grid_code": "430407001001001"});
    let (s, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{cam}");
    let id = cam["id"].as_str().unwrap().to_owned();
    let officer = t.login("officer").await;
    let path = format!("/api/v1/cameras/{id}/live.m3u8?purpose=%E5%B7%A1%E6%9F%A5");
    let resp = t.client.get(format!("{}{path}", t.base)).bearer_auth(&officer).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/vnd.apple.mpegurl");
    let m3u8 = resp.text().await.unwrap();
    assert!(m3u8.starts_with("#EXTM3U\n"), "{m3u8}");
    let seg = m3u8.lines().find(|l| l.ends_with(".m4s") || l.contains(".m4s?")).unwrap().to_owned();
    // Segment URLs are relative to the playlist and work only for the session that opened the view.
    let seg_url = format!("{}/api/v1/cameras/{id}/{seg}", t.base);
    let ok = t.client.get(&seg_url).bearer_auth(&officer).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(&ok.bytes().await.unwrap()[4..8], b"moof");
    let other = t.login("officer").await;
    assert_eq!(t.client.get(&seg_url).bearer_auth(&other).send().await.unwrap().status(), 404);
    let resident = t.login("resident").await;
    let (s, _) = t.call(Method::GET, &path, Some(&resident), None).await;
    assert_eq!(s, 404, "residents never reach camera media");

    if ffprobe_available() {
        // ffmpeg reads the live playlist (refetching it as it goes) and copies 6 s.
        let out = t.app.store.backend();
        let file = std::env::temp_dir().join(format!("palmgrid-hls-{out:?}-{}.mp4", std::process::id()));
        let status = tokio::process::Command::new("ffmpeg")
            .args(["-v", "error", "-y", "-headers"])
            .arg(format!("Authorization: Bearer {officer}\r\n"))
            .arg("-i")
            .arg(format!("{}{path}", t.base))
            .args(["-t", "6", "-c", "copy"])
            .arg(&file)
            .status()
            .await
            .unwrap();
        assert!(status.success());
        let v = tokio::process::Command::new("ffprobe")
            .args(["-v", "error", "-of", "json", "-show_format", "-show_streams"])
            .arg(&file)
            .output()
            .await
            .unwrap();
        let v: Value = serde_json::from_slice(&v.stdout).unwrap();
        let _ = std::fs::remove_file(&file);
        assert_eq!(v["streams"][0]["codec_name"], "h264");
        assert_eq!((v["streams"][0]["width"].as_i64(), v["streams"][0]["height"].as_i64()), (Some(640), Some(360)));
        let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!(d >= 5.0, "at least 5 s of HLS: {d}");
    }
    // However many playlist and segment requests (ours and ffmpeg's, with the same session
    // and purpose): one view, one audit entry.
    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=video.live", Some(&auditor), None).await;
    let items = log["items"].as_array().unwrap();
    let officer_views: Vec<_> = items.iter().filter(|e| e["actor_name"] == "officer").collect();
    assert_eq!(officer_views.len(), 1, "{log}");
    assert!(officer_views.iter().all(|e| e["details"]["delivery"] == "hls" && e["details"]["purpose"] == "巡查"));
});

/// An RFC 3339 time for a query string.
fn q(ms: i64) -> String {
    palmgrid_api::views::rfc3339(ms).replace('+', "%2B")
}

/// Polls the timeline until a span of at least `ms` is recorded; returns it.
async fn wait_recorded(t: &TestApp, token: &str, id: &str, ms: i64) -> (i64, i64) {
    let path = format!("/api/v1/cameras/{id}/timeline?start={}&end={}", q(T0 - 60_000), q(T0 + 3_600_000));
    for _ in 0..60 {
        let (s, v) = t.call(Method::GET, &path, Some(token), None).await;
        assert_eq!(s, 200, "{v}");
        if let Some(span) = v["items"].as_array().unwrap().first() {
            let (a, b) = (span["start_ms"].as_i64().unwrap(), span["end_ms"].as_i64().unwrap());
            if b - a >= ms {
                return (a, b);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    panic!("camera {id} was not recorded for {ms} ms within 30 s");
}

/// ffprobe's JSON for a URL of the test server, fetched with a bearer token. (Async: the
/// server runs on this test's runtime.)
async fn ffprobe_url(t: &TestApp, path: &str, token: &str) -> Value {
    let out = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-of", "json", "-show_format", "-show_streams", "-headers"])
        .arg(format!("Authorization: Bearer {token}\r\n"))
        .arg(format!("{}{path}", t.base))
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "ffprobe: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

http_test!(playback_serves_byte_ranges_and_audits_each_view_once, recording(demo_auth()), |t| {
    let url = simcam(palmgrid_simcam::scene::SceneKind::GarbageLeft).await;
    let admin = t.login("admin").await;
    let body = json!({"name": "垃圾点", "url": url, "grid_code": "430407001001001"});
    let (s, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    assert_eq!(s, 201, "{cam}");
    assert_eq!(
        (cam["record"].as_bool(), cam["recording"].as_bool(), cam["retain_days"].as_i64()),
        (Some(true), Some(true), Some(30))
    );
    let id = cam["id"].as_str().unwrap().to_owned();
    let officer = t.login("officer").await;
    let (start, _) = wait_recorded(t, &officer, &id, 6_000).await;
    // Frames taken in one batch are dated back from the newest by the camera's clock, and
    // the test clock stands still: under load the first may date a few frames before T0.
    assert!((T0 - 1_000..=T0).contains(&start), "the first recording starts when recording started: {start}");

    let path = format!(
        "/api/v1/cameras/{id}/recording.mp4?start={}&end={}&purpose=%E8%B0%83%E6%9F%A5",
        q(start + 1_000),
        q(start + 5_000)
    );
    let get = |range: Option<&'static str>, token: String| {
        let mut req = t.client.get(format!("{}{path}", t.base)).bearer_auth(token);
        if let Some(r) = range {
            req = req.header("range", r);
        }
        req.send()
    };
    let whole = get(None, officer.clone()).await.unwrap();
    assert_eq!(whole.status(), 200);
    assert_eq!(whole.headers()["content-type"], "video/mp4");
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let whole = whole.bytes().await.unwrap();
    assert_eq!(&whole[4..8], b"ftyp");
    let part = get(Some("bytes=100-199"), officer.clone()).await.unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(part.headers()["content-range"], format!("bytes 100-199/{}", whole.len()).as_str());
    assert_eq!(part.bytes().await.unwrap(), whole.slice(100..200));
    let tail = get(Some("bytes=-1000"), officer.clone()).await.unwrap();
    assert_eq!(tail.bytes().await.unwrap(), whole.slice(whole.len() - 1000..));
    let bad = get(Some("bytes=99999999-"), officer.clone()).await.unwrap();
    assert_eq!(bad.status(), 416);
    assert_eq!(bad.headers()["content-range"], format!("bytes */{}", whole.len()).as_str());
    if ffprobe_available() {
        let v = ffprobe_url(t, &path, &officer).await;
        let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
        assert!((d - 4.0).abs() < 0.1, "duration {d}");
        assert_eq!((v["streams"][0]["width"].as_i64(), v["streams"][0]["height"].as_i64()), (Some(640), Some(360)));
    }
    // Many requests, one view: exactly one audit entry, with user, camera, range and purpose.
    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=video.playback", Some(&auditor), None).await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{log}");
    assert_eq!(items[0]["actor_name"], "officer");
    assert_eq!(items[0]["target"], format!("camera:{id}"));
    assert_eq!(items[0]["details"]["from_ms"], start + 1_000);
    assert_eq!(items[0]["details"]["to_ms"], start + 5_000);
    assert_eq!(items[0]["details"]["purpose"], "调查");

    // Nobody without the camera in scope gets anything, and bad input is a clear error.
    let resident = t.login("resident").await;
    assert_eq!(get(None, resident.clone()).await.unwrap().status(), 404);
    let (s, v) = t
        .call(
            Method::GET,
            &format!("/api/v1/cameras/{id}/recording.mp4?start=yesterday&end=now&purpose=x"),
            Some(&officer),
            None,
        )
        .await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (400, Some("bad_request")));
    let (s, _) = t
        .call(
            Method::GET,
            &format!("/api/v1/cameras/{id}/recording.mp4?start={}&end={}", q(start), q(start + 1000)),
            Some(&officer),
            None,
        )
        .await;
    assert_eq!(s, 422, "a purpose is required");
    let (s, v) = t
        .call(
            Method::GET,
            &format!(
                "/api/v1/cameras/{id}/recording.mp4?start={}&end={}&purpose=x",
                q(T0 - 7_200_000),
                q(T0 - 3_600_000)
            ),
            Some(&officer),
            None,
        )
        .await;
    assert_eq!(s, 404, "nothing recorded then: {v}");
    // Recording stops when switched off.
    let (s, cam) = t
        .call(
            Method::PATCH,
            &format!("/api/v1/cameras/{id}"),
            Some(&admin),
            Some(json!({"record": false, "retain_days": 29})),
        )
        .await;
    assert_eq!(s, 422, "retention below 30 days is refused: {cam}");
    let (s, cam) =
        t.call(Method::PATCH, &format!("/api/v1/cameras/{id}"), Some(&admin), Some(json!({"record": false}))).await;
    assert_eq!(s, 200, "{cam}");
    assert_eq!(cam["recording"], false);
});

http_test!(rtsp_re_serve_needs_palmgrid_credentials_and_is_audited, with_local_cameras(demo_auth()), |t| {
    let url = simcam(palmgrid_simcam::scene::SceneKind::CrowdForming).await;
    let admin = t.login("admin").await;
    let body = json!({"name": "人民路口", "url": url, "grid_code": "430407001001001"});
    let (_, cam) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
    let id = cam["id"].as_str().unwrap().to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mounts = Arc::new(palmgrid_app::rtsp::CameraMounts { app: t.app.clone(), zone: Zone::Internet });
    tokio::spawn(palmgrid_media::rtsp_server::serve(listener, mounts));
    if !ffprobe_available() {
        return;
    }
    let probe = |url: String| async move {
        tokio::process::Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-rtsp_transport",
                "tcp",
                "-show_entries",
                "stream=codec_name,width,height",
                "-of",
                "json",
            ])
            .arg(url)
            .output()
            .await
            .unwrap()
    };
    let out = probe(format!("rtsp://officer:palmgrid-demo@{addr}/cameras/{id}")).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["streams"][0]["codec_name"], "h264");
    assert_eq!(v["streams"][0]["width"], 640, "the camera's main stream (the simulator serves 640x360)");
    // Without credentials, with a wrong password, or as a resident: refused.
    assert!(!probe(format!("rtsp://{addr}/cameras/{id}")).await.status.success());
    assert!(!probe(format!("rtsp://officer:wrong-password@{addr}/cameras/{id}")).await.status.success());
    assert!(!probe(format!("rtsp://resident:palmgrid-demo@{addr}/cameras/{id}")).await.status.success());
    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=video.live&limit=100", Some(&auditor), None).await;
    let items = log["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one audited RTSP session: {log}");
    assert_eq!(items[0]["actor_name"], "officer");
    assert_eq!(items[0]["details"]["purpose"], palmgrid_app::rtsp::RTSP_PURPOSE);
});

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Value {
    json!({"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]})
}

fn region_feature(code: &str, name: &str, level: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"code": code, "name": name, "level": level}, "geometry": geometry})
}

/// A new community in the free strip of 五一街道 south of 演武坪社区, split into two grids
/// at longitude `split`.
fn new_community(split: f64) -> Value {
    json!({"type": "FeatureCollection", "features": [
        region_feature("430407002002", "测试社区", "community", rect(112.6145, 26.8925, 112.6205, 26.8940)),
        region_feature("430407002002001", "测试第一网格", "grid", rect(112.6145, 26.8925, split, 26.8940)),
        region_feature("430407002002002", "测试第二网格", "grid", rect(split, 26.8925, 112.6205, 26.8940)),
    ]})
}

http_test!(region_import_is_all_or_nothing_names_each_bad_feature_and_is_idempotent, demo_auth(), |t| {
    let admin = t.login("admin").await;
    let before = t.app.store.list_regions().await.unwrap();
    let bowtie = json!({"type": "Polygon", "coordinates": [[
        [112.6150, 26.8926], [112.6150, 26.8930], [112.6160, 26.8926], [112.6160, 26.8930], [112.6150, 26.8926]]]});
    let mut bad = new_community(112.6175);
    let features = bad["features"].as_array_mut().unwrap();
    features.push(region_feature("430407002002003", "自相交", "grid", bowtie)); // 3
    features.push(region_feature("430407009001001", "无上级", "grid", rect(112.60, 26.89, 112.601, 26.891))); // 4
    features.push(region_feature("430407002002001", "重复", "grid", rect(112.6145, 26.8925, 112.6150, 26.8930))); // 5
    features.push(region_feature("430407002002004", "重叠", "grid", rect(112.6160, 26.8926, 112.6170, 26.8930))); // 6
    let (s, v) = t.call(Method::POST, "/api/v1/regions/import", Some(&admin), Some(bad)).await;
    assert_eq!((s.as_u16(), v["error"].as_str()), (422, Some("invalid_regions")), "{v}");
    let found: Vec<(u64, &str, &str)> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["feature"].as_u64().unwrap(), p["code"].as_str().unwrap(), p["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "430407002002003", "self_intersecting"),
            (4, "430407009001001", "unknown_parent"),
            (5, "430407002002001", "duplicate_code"),
            (6, "430407002002004", "overlaps_sibling"),
        ],
        "{v}"
    );
    assert_eq!(t.app.store.list_regions().await.unwrap(), before, "nothing of a refused file is imported");

    let (s, v) = t.call(Method::POST, "/api/v1/regions/import", Some(&admin), Some(new_community(112.6175))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["created"].as_u64(), v["updated"].as_u64(), v["unchanged"].as_u64()), (Some(3), Some(0), Some(0)));
    // 五一街道 is not covered by its communities: the gap is reported with its area.
    let gap = v["gaps"].as_array().unwrap().iter().find(|g| g["parent_code"] == "430407002").cloned().unwrap();
    assert!(gap["area_m2"].as_f64().unwrap() > 100_000.0, "{gap}");

    // A camera placed by location alone lands in the grid that holds it.
    let cam = json!({"name": "测试路口", "url": "rtsp://10.1.2.3/main", "lon": 112.6160, "lat": 26.8932});
    let (s, v) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(cam)).await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["grid_code"], "430407002002001");
    let camera = v["id"].as_str().unwrap().to_owned();

    let after_first = t.app.store.list_regions().await.unwrap();
    let (s, v) = t.call(Method::POST, "/api/v1/regions/import", Some(&admin), Some(new_community(112.6175))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["created"].as_u64(), v["updated"].as_u64(), v["unchanged"].as_u64()), (Some(0), Some(0), Some(3)));
    assert_eq!(t.app.store.list_regions().await.unwrap(), after_first, "a second import changes nothing");

    // Export of the subtree imports back unchanged.
    let (s, fc) = t.call(Method::GET, "/api/v1/regions/export?code=430407002002", Some(&admin), None).await;
    assert_eq!(s, 200, "{fc}");
    assert_eq!(fc["features"].as_array().unwrap().len(), 3);
    let (_, v) = t.call(Method::POST, "/api/v1/regions/import", Some(&admin), Some(fc)).await;
    assert_eq!(v["unchanged"].as_u64(), Some(3), "{v}");

    // Lookup: inside each grid, outside all, and from a tap on GCJ-02 tiles.
    let officer = t.login("officer").await;
    for (lon, lat, code) in [(112.6160, 26.8932, "430407002002001"), (112.6190, 26.8932, "430407002002002")] {
        let (s, v) =
            t.call(Method::GET, &format!("/api/v1/grids/lookup?lon={lon}&lat={lat}"), Some(&officer), None).await;
        assert_eq!((s.as_u16(), v["grid"]["code"].as_str()), (200, Some(code)), "{v}");
        assert_eq!(v["grid"]["community_name"], "测试社区");
        let (glon, glat) = palmgrid_domain::gcj02::from_wgs84(lon, lat);
        let path = format!("/api/v1/grids/lookup?lon={glon}&lat={glat}&crs=gcj02");
        let (_, v) = t.call(Method::GET, &path, Some(&officer), None).await;
        assert_eq!(v["grid"]["code"].as_str(), Some(code), "{v}");
    }
    for (lon, lat) in [(113.5, 27.5), (112.6140, 26.8932)] {
        let (s, v) =
            t.call(Method::GET, &format!("/api/v1/grids/lookup?lon={lon}&lat={lat}"), Some(&officer), None).await;
        assert_eq!((s.as_u16(), v["error"].as_str()), (404, Some("outside_all_grids")), "{v}");
    }
    let (s, _) = t.call(Method::GET, "/api/v1/grids/lookup?lon=500&lat=1", Some(&officer), None).await;
    assert_eq!(s, 422);

    // Moving the boundary moves the camera to the other grid, audited.
    let (s, v) = t.call(Method::POST, "/api/v1/regions/import", Some(&admin), Some(new_community(112.6155))).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!((v["updated"].as_u64(), v["unchanged"].as_u64()), (Some(2), Some(1)));
    assert_eq!(v["cameras_moved"].as_array().unwrap().len(), 1, "{v}");
    let (_, c) = t.call(Method::GET, &format!("/api/v1/cameras/{camera}"), Some(&admin), None).await;
    assert_eq!(c["grid_code"], "430407002002002");
    let auditor = t.login("auditor").await;
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=camera.regrid&limit=10", Some(&auditor), None).await;
    let moves: Vec<(&str, &str)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["target"].as_str().unwrap(), e["details"]["to"].as_str().unwrap_or("-")))
        .collect();
    let target = format!("camera:{camera}");
    assert_eq!(moves, [(target.as_str(), "430407002002002")], "{log}");
    // Imports that change nothing write nothing, not even an audit entry: the demo seeding,
    // the first import and the boundary move are the only three.
    let (_, log) = t.call(Method::GET, "/api/v1/audit?action=region.import&limit=50", Some(&auditor), None).await;
    assert_eq!(log["items"].as_array().unwrap().len(), 3, "{log}");

    // Only admins import; a camera's explicit grid must agree with its location.
    let (s, _) = t.call(Method::POST, "/api/v1/regions/import", Some(&officer), Some(new_community(112.6175))).await;
    assert_eq!(s, 403);
    let cam = json!({"name": "x", "url": "rtsp://10.1.2.4/main", "lon": 112.6160, "lat": 26.8932,
                     "grid_code": "430407001001001"});
    let (s, v) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(cam)).await;
    assert_eq!(s, 422, "{v}");
    assert!(v["message"].as_str().unwrap().contains("430407002002002"), "{v}");
});

http_test!(officers_see_only_their_grids_on_the_map, demo_auth(), |t| {
    let admin = t.login("admin").await;
    // One camera in the officer's grid, one in the next grid, placed by location only.
    let mut ids = Vec::new();
    for (name, (lon, lat)) in [("北口", demo::DEMO_CAMERA_LOCATIONS[0]), ("大门", demo::DEMO_CAMERA_LOCATIONS[2])] {
        let body = json!({"name": name, "url": "rtsp://10.1.2.3/main", "lon": lon, "lat": lat});
        let (s, v) = t.call(Method::POST, "/api/v1/cameras", Some(&admin), Some(body)).await;
        assert_eq!(s, 201, "{v}");
        ids.push((v["id"].as_str().unwrap().to_owned(), v["grid_code"].as_str().unwrap().to_owned()));
    }
    assert_eq!(ids[0].1, demo::DEMO_CAMERA_GRIDS[0]);
    assert_eq!(ids[1].1, demo::DEMO_CAMERA_GRIDS[2]);

    let (s, map) = t.call(Method::GET, "/api/v1/map", Some(&admin), None).await;
    assert_eq!(s, 200, "{map}");
    assert_eq!(map["crs"], "wgs84");
    let codes: Vec<&str> = map["grids"].as_array().unwrap().iter().map(|g| g["code"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 7, "{codes:?}");
    assert_eq!(map["cameras"].as_array().unwrap().len(), 2);

    let officer = t.login("officer").await;
    let (_, map) = t.call(Method::GET, "/api/v1/map", Some(&officer), None).await;
    let grids = map["grids"].as_array().unwrap();
    assert_eq!(grids.len(), 1, "{map}");
    assert_eq!((grids[0]["code"].as_str(), grids[0]["mine"].as_bool()), (Some("430407001001001"), Some(true)));
    assert_eq!(grids[0]["officers"][0]["display_name"], "网格员 李敏");
    assert_eq!(grids[0]["cameras"], 1);
    let cams: Vec<&str> = map["cameras"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(cams, [ids[0].0.as_str()]);
    let (_, list) = t.call(Method::GET, "/api/v1/cameras", Some(&officer), None).await;
    let listed: Vec<&str> = list["items"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(listed, [ids[0].0.as_str()]);
    // Another grid's sheet is 404 to the officer, not 403.
    let other = t.app.store.region_by_code(demo::DEMO_CAMERA_GRIDS[2]).await.unwrap().unwrap();
    let (s, _) = t.call(Method::GET, &format!("/api/v1/grids/{}", other.id), Some(&officer), None).await;
    assert_eq!(s, 404);
    let own = t.app.store.region_by_code(demo::DEMO_CAMERA_GRIDS[0]).await.unwrap().unwrap();
    let (s, sheet) = t.call(Method::GET, &format!("/api/v1/grids/{}?crs=gcj02", own.id), Some(&officer), None).await;
    assert_eq!(s, 200, "{sheet}");
    assert_eq!(sheet["camera_list"][0]["name"], "北口");
    // GCJ-02 for AMap tiles: the marker moves by the datum offset (hundreds of metres).
    let (wlon, wlat) = demo::DEMO_CAMERA_LOCATIONS[0];
    let (glon, glat) = palmgrid_domain::gcj02::from_wgs84(wlon, wlat);
    assert!((sheet["camera_list"][0]["lon"].as_f64().unwrap() - glon).abs() < 1e-9);
    assert!((sheet["camera_list"][0]["lat"].as_f64().unwrap() - glat).abs() < 1e-9);

    // The resident sees their community's grids but no cameras.
    let resident = t.login("resident").await;
    let (s, map) = t.call(Method::GET, "/api/v1/map", Some(&resident), None).await;
    assert_eq!(s, 200);
    assert_eq!(map["grids"].as_array().unwrap().len(), 3, "{map}");
    assert_eq!(map["cameras"], json!([]));
});

// Declared after the helpers and macros it uses.
mod cases;
mod community;
mod privacy;
mod spaces;
