//! The binary as an operator uses it: first start, demo, audit verification, shutdown.
//! Runs on SQLite and PostgreSQL.

use palmgrid_store::Backend;
use palmgrid_store::testing::TestDb;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_palmgrid");

fn cmd(db: &TestDb) -> Command {
    let mut c = Command::new(BIN);
    c.env("PALMGRID_DATA_DIR", &db.dir).env("PALMGRID_DATABASE_URL", &db.url).env("PALMGRID_LOG", "warn");
    c
}

fn user_add(db: &TestDb, name: &str, password: &str) -> std::process::Output {
    let mut child = cmd(db)
        .args(["user", "add", "--username", name, "--role", "district_admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

fn verify(db: &TestDb) -> (i32, String) {
    let out = cmd(db).args(["audit", "verify"]).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

struct Server {
    child: Child,
    base: String,
}

fn start(db: &TestDb, sub: &str) -> Server {
    let mut child =
        cmd(db).args([sub, "--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let base = loop {
        assert!(Instant::now() < deadline, "no listening line");
        let line = lines.next().expect("server exited early").unwrap();
        if let Some(rest) = line.strip_prefix("Listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, base }
}

impl Server {
    fn terminate(mut self) -> i32 {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        self.child.wait().unwrap().code().unwrap_or(-1)
    }
}

async fn tamper_cases(backend: Backend) {
    // An untouched log verifies; changing any column, or deleting an entry from the
    // middle, makes `audit verify` fail and name the entry.
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    for name in ["admin1", "admin2", "admin3", "admin4"] {
        let out = user_add(&db, name, "correct-horse-battery");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let (code, text) = verify(&db);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("4 entries"), "{text}");
    let s = &db.store;
    match s.backend() {
        Backend::Sqlite => s.execute_raw("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete").await,
        Backend::Postgres => s.execute_raw("DROP TRIGGER audit_log_append_only ON audit_log").await,
    }
    .unwrap();
    s.execute_raw("UPDATE audit_log SET details = replace(details, 'admin2', 'mallory') WHERE seq = 2").await.unwrap();
    let (code, text) = verify(&db);
    assert_ne!(code, 0);
    assert!(text.contains("entry 2"), "{text}");
    s.execute_raw("UPDATE audit_log SET details = replace(details, 'mallory', 'admin2') WHERE seq = 2").await.unwrap();
    assert_eq!(verify(&db).0, 0);
    s.execute_raw("DELETE FROM audit_log WHERE seq = 3").await.unwrap();
    let (code, text) = verify(&db);
    assert_ne!(code, 0);
    assert!(text.contains("entry 4"), "{text}");
    db.cleanup().await;
}

async fn first_start_and_demo(backend: Backend) {
    let Some(db) = TestDb::new(backend).await else {
        return;
    };
    let out = cmd(&db).args(["serve", "--listen", "127.0.0.1:0"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("palmgrid user add"), "{err}");
    let out = user_add(&db, "root", "short");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("at least 12 characters"));

    let server = start(&db, "demo");
    let client = reqwest::Client::new();
    assert_eq!(client.get(format!("{}/healthz", server.base)).send().await.unwrap().status(), 200);
    let mut tokens = std::collections::HashMap::new();
    for user in ["admin", "officer", "resident"] {
        let r = client
            .post(format!("{}/api/v1/auth/login", server.base))
            .json(&serde_json::json!({"username": user, "password": "palmgrid-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{user}");
        let v: serde_json::Value = r.json().await.unwrap();
        tokens.insert(user, v["token"].as_str().unwrap().to_owned());
    }
    // The demo registers twelve simulated cameras; the officer sees the two of their grid.
    let cams = |user: &str| client.get(format!("{}/api/v1/cameras", server.base)).bearer_auth(&tokens[user]).send();
    let v: serde_json::Value = cams("admin").await.unwrap().json().await.unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 12);
    let v: serde_json::Value = cams("officer").await.unwrap().json().await.unwrap();
    let names: Vec<&str> = v["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["牛角巷北口", "牛角巷垃圾站"]);
    assert_eq!(cams("resident").await.unwrap().status(), 403);
    // Demo cases at different steps: the admin sees the four; the resident only their own,
    // closed and rated.
    let cases = |user: &str| client.get(format!("{}/api/v1/cases", server.base)).bearer_auth(&tokens[user]).send();
    let all: serde_json::Value = cases("admin").await.unwrap().json().await.unwrap();
    let mut states: Vec<&str> = all["items"].as_array().unwrap().iter().map(|c| c["state"].as_str().unwrap()).collect();
    states.sort();
    assert_eq!(states, ["closed", "handling", "registered", "reported"]);
    let own: serde_json::Value = cases("resident").await.unwrap().json().await.unwrap();
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!((own["items"][0]["state"].as_str(), own["items"][0]["rating"].as_i64()), (Some("closed"), Some(5)));
    // A demo camera's live video, read by ffmpeg's own tools over both live protocols.
    let camera = v["items"][0]["id"].as_str().unwrap().to_owned();
    if ffprobe_available() {
        demo_live_video_is_readable(&server.base, &tokens["officer"], &camera).await;
    }
    assert_eq!(server.terminate(), 0, "graceful shutdown on SIGTERM");
    let (code, text) = verify(&db);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("last at entry none"), "a checkpoint is written at shutdown: {text}");
    // A restart on the same data keeps working (seeding is idempotent: no second set of
    // cases), and serve now starts because an administrator exists.
    let server = start(&db, "demo");
    let r = client
        .post(format!("{}/api/v1/auth/login", server.base))
        .json(&serde_json::json!({"username": "admin", "password": "palmgrid-demo"}))
        .send()
        .await
        .unwrap();
    let token = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let v: serde_json::Value = client
        .get(format!("{}/api/v1/cases", server.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 4);
    assert_eq!(server.terminate(), 0);
    let server = start(&db, "serve");
    assert_eq!(client.get(format!("{}/healthz", server.base)).send().await.unwrap().status(), 200);
    assert_eq!(server.terminate(), 0);
    db.cleanup().await;
}

fn ffprobe_available() -> bool {
    match Command::new("ffprobe").arg("-version").output() {
        Ok(o) if o.status.success() => true,
        _ if std::env::var("PALMGRID_REQUIRE_TOOLS").is_ok_and(|v| v == "1") => panic!("ffprobe required"),
        _ => {
            eprintln!("SKIPPED live video checks against the demo: ffprobe not installed (apt-get install ffmpeg)");
            false
        }
    }
}

/// ffprobe's streams and format of a file.
async fn probe(file: &std::path::Path) -> serde_json::Value {
    let out = tokio::process::Command::new("ffprobe")
        .args(["-v", "error", "-of", "json", "-show_format", "-show_streams"])
        .arg(file)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "ffprobe: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn assert_h264_640x360_at_least_5s(v: &serde_json::Value, what: &str) {
    assert_eq!(v["streams"][0]["codec_name"], "h264", "{what}: {v}");
    assert_eq!(
        (v["streams"][0]["width"].as_i64(), v["streams"][0]["height"].as_i64()),
        (Some(640), Some(360)),
        "{what}"
    );
    let d: f64 = v["format"]["duration"].as_str().unwrap().parse().unwrap();
    assert!(d >= 5.0, "{what}: {d} s");
}

/// ≥ 5 s of `live.ws` (saved as received) and of `live.m3u8` (copied by ffmpeg) are H.264
/// of the sub stream's size.
async fn demo_live_video_is_readable(base: &str, token: &str, camera: &str) {
    use futures::StreamExt;
    use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};
    let dir = std::env::temp_dir().join(format!("palmgrid-cli-live-{}-{}", std::process::id(), camera));
    std::fs::create_dir_all(&dir).unwrap();

    let url = format!("{}/api/v1/cameras/{camera}/live.ws?purpose=test", base.replace("http", "ws"));
    let mut req = url.into_client_request().unwrap();
    req.headers_mut().insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let (mut bytes, mut fragments) = (Vec::new(), 0);
    while fragments < 150 {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await.unwrap().unwrap().unwrap() {
            Message::Binary(b) => {
                fragments += usize::from(&b[4..8] == b"moof");
                bytes.extend_from_slice(&b);
            }
            _ => continue,
        }
    }
    let file = dir.join("live-ws.mp4");
    std::fs::write(&file, &bytes).unwrap();
    assert_h264_640x360_at_least_5s(&probe(&file).await, "live.ws");

    let file = dir.join("live-hls.mp4");
    let status = tokio::process::Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-headers"])
        .arg(format!("Authorization: Bearer {token}\r\n"))
        .arg("-i")
        .arg(format!("{base}/api/v1/cameras/{camera}/live.m3u8?purpose=test"))
        .args(["-t", "6", "-c", "copy"])
        .arg(&file)
        .status()
        .await
        .unwrap();
    assert!(status.success(), "ffmpeg read the HLS stream");
    assert_h264_640x360_at_least_5s(&probe(&file).await, "live.m3u8");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn audit_verify_detects_tampering_sqlite() {
    tamper_cases(Backend::Sqlite).await;
}

#[tokio::test]
async fn audit_verify_detects_tampering_postgres() {
    tamper_cases(Backend::Postgres).await;
}

#[tokio::test]
async fn first_start_and_demo_sqlite() {
    first_start_and_demo(Backend::Sqlite).await;
}

#[tokio::test]
async fn first_start_and_demo_postgres() {
    first_start_and_demo(Backend::Postgres).await;
}
