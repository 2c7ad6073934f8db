//! (e) Community chat fan-out: 2,000 connected members, one message reaches all of them.
//!
//! palmgrid (`serve`, release build) with one community: 2,000 WebSockets on its `chat.ws`,
//! then messages posted over HTTP (stored in the database, then broadcast) at 4 per second;
//! the delay is from sending the POST to each member receiving the message. The peer is a
//! bare broadcast server on Node's `ws` (no storage, no authorisation), measured the same
//! way in the same run. All connections use one account: the fan-out work per connection
//! is the same whoever is behind it.

use crate::Server;
use anyhow::{Context, Result, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest};

const MESSAGES: usize = 20;

/// Receive times of message k (by its text "bench k") on every connection.
type Receipts = Arc<std::sync::Mutex<Vec<Vec<Option<Instant>>>>>;

async fn connect_all(
    url: &str,
    token: Option<&str>,
    n: usize,
    receipts: &Receipts,
) -> Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        let mut req = url.into_client_request()?;
        if let Some(t) = token {
            req.headers_mut().insert("authorization", format!("Bearer {t}").parse()?);
        }
        let (mut ws, _) = tokio_tungstenite::connect_async(req).await.with_context(|| format!("connection {i}"))?;
        let receipts = receipts.clone();
        tasks.push(tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                let Message::Text(t) = m else { continue };
                let body = serde_json::from_str::<Value>(&t).ok().and_then(|v| v["body"].as_str().map(String::from));
                if let Some(k) = body.and_then(|b| b.strip_prefix("bench ").and_then(|k| k.parse::<usize>().ok()))
                    && k < MESSAGES
                {
                    receipts.lock().unwrap()[i][k].get_or_insert(Instant::now());
                }
            }
        }));
    }
    Ok(tasks)
}

/// p50, p99 and max of the delays in ms, and how many receipts are missing.
fn summarise(sent: &[Instant], receipts: &Receipts) -> (f64, f64, f64, usize) {
    let r = receipts.lock().unwrap();
    let mut d: Vec<f64> = Vec::new();
    let mut missing = 0;
    for conn in r.iter() {
        for (k, t) in conn.iter().enumerate() {
            match t {
                Some(t) => d.push(t.duration_since(sent[k]).as_secs_f64() * 1000.0),
                None => missing += 1,
            }
        }
    }
    d.sort_by(f64::total_cmp);
    let at =
        |q: f64| d.get(((d.len() as f64 * q) as usize).min(d.len().saturating_sub(1))).copied().unwrap_or(f64::NAN);
    (at(0.5), at(0.99), d.last().copied().unwrap_or(f64::NAN), missing)
}

async fn measure_palmgrid(bin: &Path, members: usize) -> Result<(f64, f64, f64, usize)> {
    let s = Server::start(bin).await?;
    let feature = |code: &str, name: &str, level: &str, parent: Option<&str>| {
        json!({"type": "Feature", "geometry": null,
               "properties": {"code": code, "name": name, "level": level, "parent_code": parent}})
    };
    let fc = json!({"type": "FeatureCollection", "features": [
        feature("430407", "石鼓区", "district", None),
        feature("430407001", "人民路街道", "street", Some("430407")),
        feature("430407001001", "牛角巷社区", "community", Some("430407001")),
    ]});
    let r = s.client.post(format!("{}/api/v1/regions/import", s.base)).bearer_auth(&s.token).json(&fc).send().await?;
    if !r.status().is_success() {
        bail!("region import: {}", r.text().await?);
    }
    let url = format!("{}/api/v1/communities/430407001001/chat.ws", s.base.replace("http://", "ws://"));
    let receipts: Receipts = Arc::new(std::sync::Mutex::new(vec![vec![None; MESSAGES]; members]));
    let tasks = connect_all(&url, Some(&s.token), members, &receipts).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut sent = Vec::new();
    for k in 0..MESSAGES {
        sent.push(Instant::now());
        let r = s
            .client
            .post(format!("{}/api/v1/communities/430407001001/chat", s.base))
            .bearer_auth(&s.token)
            .json(&json!({"body": format!("bench {k}")}))
            .send()
            .await?;
        if !r.status().is_success() {
            bail!("chat post: {}", r.text().await?);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    tasks.iter().for_each(|t| t.abort());
    Ok(summarise(&sent, &receipts))
}

const NODE_SERVER: &str = r#"
const { WebSocketServer } = require('ws');
const wss = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2]) });
wss.on('connection', (ws) => {
  ws.on('message', (data) => {
    const text = data.toString();
    for (const c of wss.clients) if (c.readyState === 1) c.send(text);
  });
});
console.log('ready');
"#;

async fn measure_node(members: usize) -> Result<Option<(f64, f64, f64, usize)>> {
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("server.js"), NODE_SERVER)?;
    let npm = std::process::Command::new("npm")
        .args(["install", "--silent", "--no-audit", "--no-fund", "ws@8"])
        .current_dir(dir.path())
        .status();
    if !matches!(npm, Ok(s) if s.success()) {
        println!("SKIPPED the Node peer: npm install ws failed (npm and the npm registry are needed)");
        return Ok(None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut child = tokio::process::Command::new("node")
        .arg("server.js")
        .arg(port.to_string())
        .current_dir(dir.path())
        .stdout(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .context("running node")?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let url = format!("ws://127.0.0.1:{port}/");
    let receipts: Receipts = Arc::new(std::sync::Mutex::new(vec![vec![None; MESSAGES]; members]));
    let tasks = connect_all(&url, None, members, &receipts).await?;
    let (mut sender, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut sent = Vec::new();
    for k in 0..MESSAGES {
        sent.push(Instant::now());
        sender.send(Message::Text(json!({"body": format!("bench {k}")}).to_string().into())).await?;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    tasks.iter().for_each(|t| t.abort());
    let _ = child.kill().await;
    Ok(Some(summarise(&sent, &receipts)))
}

pub async fn bench(bin: &Path, members: usize) -> Result<()> {
    println!("\n(e) community chat: one message to {members} connected members, {MESSAGES} messages at 4/s");
    let (p50, p99, max, missing) = measure_palmgrid(bin, members).await?;
    println!(
        "  palmgrid (stored, then broadcast): p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms, {missing} missing (target p99 < 200 ms)"
    );
    if let Some((n50, n99, nmax, nmissing)) = measure_node(members).await? {
        println!(
            "  Node ws bare broadcast:            p50 {n50:.1} ms, p99 {n99:.1} ms, max {nmax:.1} ms, {nmissing} missing"
        );
        println!("  ratio palmgrid / Node p99: {:.2}", p99 / n99);
    }
    Ok(())
}
