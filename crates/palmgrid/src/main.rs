//! The palmgrid binary: `serve`, `demo`, `user add`, `audit verify`, `openapi`.

mod config;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use config::Config;
use palmgrid_api::ApiState;
use palmgrid_app::users::NewUser;
use palmgrid_app::{App, AuditSigner, SystemClock, audit, demo};
use palmgrid_domain::{Role, Zone};
use palmgrid_store::Store;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "palmgrid", version, about = "网格化视频监控 + 掌上社区: grid-based community video and governance")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct StorageArgs {
    /// Data directory (SQLite file, audit signing key).
    #[arg(long, env = "PALMGRID_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// `postgres://…` for PostgreSQL; default SQLite in the data directory.
    #[arg(long, env = "PALMGRID_DATABASE_URL")]
    database_url: Option<String>,
}

#[derive(Args, Clone, Default)]
struct ServeArgs {
    /// TOML configuration file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Listen address (replaces the configured listeners by this one).
    #[arg(long, env = "PALMGRID_LISTEN")]
    listen: Option<String>,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the platform.
    Serve(ServeArgs),
    /// Run the platform with the demo district, demo accounts (password `palmgrid-demo`).
    Demo(ServeArgs),
    /// Manage user accounts from the command line.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Audit log tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user with one role; reads the password from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Role key, e.g. district_admin, auditor, grid_officer.
        #[arg(long)]
        role: String,
        /// Region code the role covers; omit for the whole deployment.
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        storage: StorageArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and the signed checkpoints; exit 0 when intact.
    Verify {
        #[command(flatten)]
        storage: StorageArgs,
    },
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(args, false).await?,
        Command::Demo(args) => serve(args, true).await?,
        Command::User { command: UserCommand::Add { username, display_name, role, region, storage } } => {
            user_add(storage, &username, display_name, &role, region.as_deref()).await?
        }
        Command::Audit { command: AuditCommand::Verify { storage } } => return audit_verify(storage).await,
        Command::Openapi => println!("{}", serde_json::to_string_pretty(palmgrid_api::routes::openapi())?),
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn load_config(file: Option<&std::path::Path>, storage: &StorageArgs, listen: Option<&str>) -> anyhow::Result<Config> {
    let mut c = Config::load(file)?;
    if let Some(d) = &storage.data_dir {
        c.data_dir = d.clone();
    }
    if let Some(u) = &storage.database_url {
        c.database_url = Some(u.clone());
    }
    if let Some(l) = listen {
        c.set_listen(l);
    }
    Ok(c)
}

fn init_logging(c: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&c.log).unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if c.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open_store(c: &Config) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&c.data_dir).with_context(|| format!("creating data dir {}", c.data_dir.display()))?;
    let url = c.database_url();
    let store = Store::connect(&url).await.with_context(|| format!("opening database {}", redact(&url)))?;
    store.migrate().await.context("applying migrations")?;
    Ok(store)
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

async fn serve(args: ServeArgs, demo_mode: bool) -> anyhow::Result<()> {
    let c = load_config(args.config.as_deref(), &args.storage, args.listen.as_deref())?;
    init_logging(&c);
    let store = open_store(&c).await?;
    let signer = AuditSigner::load_or_create(&c.data_dir).context("loading the audit signing key")?;
    let mut auth = c.auth_config();
    if demo_mode {
        // Demo accounts have no authenticator app; TOTP stays available but optional.
        auth.enforce_totp = false;
    }
    let mut app = App::new(store.clone(), Arc::new(SystemClock), auth, signer);
    app.allow_local_camera_urls = c.allow_local_camera_urls;
    // Camera pulls and the recorder get a thread of their own (see `media_thread`).
    app.run_media_on(palmgrid_app::media_thread().context("starting the media thread")?);
    app.map = c.map_config()?;
    app.cases = std::sync::Arc::new(c.case_config()?);
    // Kept alive for the life of the server: dropping it stops the simulated cameras.
    let mut _simcams = None;
    if demo_mode {
        demo::seed(&app).await.context("seeding the demo district")?;
        // The simulated cameras run on loopback and are ingested through the real RTSP path.
        app.allow_local_camera_urls = true;
        let sims = palmgrid_simcam::demo::start("127.0.0.1:0").await.context("starting simulated cameras")?;
        let cams: Vec<(String, String, String)> = palmgrid_simcam::demo::DEMO_CAMERAS
            .iter()
            .enumerate()
            .map(|(n, (name, _))| {
                let (main, sub) = sims.urls(n);
                (name.to_string(), main, sub)
            })
            .collect();
        demo::seed_cameras(&app, &cams).await.context("registering the demo cameras")?;
        demo::seed_cases(&app).await.context("filing the demo cases")?;
        println!("Simulated cameras: {} on rtsp://{}/sim/N/{{main,sub}}", cams.len(), sims.addr);
        _simcams = Some(sims);
    }
    let rec_dir = c.recordings_dir();
    let recovery = app.enable_recording(rec_dir.clone()).await.context("opening the recordings")?;
    tracing::info!(dir = %rec_dir.display(), ?recovery, "recorder ready");
    let n = app.sync_all_cameras().await.context("loading cameras")?;
    tracing::info!(cameras = n, "cameras registered with the live runtime");
    // The demo re-serves its cameras over RTSP on a free loopback port unless configured.
    let rtsp_listen = c.rtsp_listen.clone().or_else(|| demo_mode.then(|| "127.0.0.1:0".to_owned()));
    let rtsp_task = match rtsp_listen {
        Some(addr) => {
            let listener =
                tokio::net::TcpListener::bind(&addr).await.with_context(|| format!("binding RTSP {addr}"))?;
            let local = listener.local_addr()?;
            let zone = Zone::parse(&c.listeners[0].zone).expect("validated");
            println!("RTSP re-serve on rtsp://{local}/cameras/{{id}} (palmgrid credentials, zone {zone})");
            let mounts = Arc::new(palmgrid_app::rtsp::CameraMounts { app: app.clone(), zone });
            Some(tokio::spawn(palmgrid_media::rtsp_server::serve(listener, mounts)))
        }
        None => None,
    };
    if store.count_role_holders(Role::DistrictAdmin.as_str()).await? == 0 {
        bail!(
            "no administrator exists yet. Create the first one with\n  \
             palmgrid user add --username admin --role district_admin --data-dir {} < password-file\n\
             (the password is read from standard input; at least 12 characters)",
            c.data_dir.display()
        );
    }

    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut servers = Vec::new();
    for l in &c.listeners {
        let zone = Zone::parse(&l.zone).expect("validated");
        let listener = tokio::net::TcpListener::bind(&l.addr).await.with_context(|| format!("binding {}", l.addr))?;
        let addr = listener.local_addr()?;
        println!("Listening on http://{addr} (zone {zone})");
        tracing::info!(%addr, %zone, "listening");
        let state = ApiState { app: app.clone(), zone, cookie_secure: c.auth.cookie_secure };
        let mut rx = rx.clone();
        servers.push(tokio::spawn(palmgrid_api::serve(listener, state, async move {
            let _ = rx.wait_for(|stop| *stop).await;
        })));
    }
    if demo_mode {
        println!("palmgrid demo — 衡阳市石鼓区. Demo accounts (password {}):", demo::DEMO_PASSWORD);
        for (user, name, role, _) in demo::DEMO_ACCOUNTS {
            println!("  {user:<10} {name} ({})", role.zh_name());
        }
        if !palmgrid_api::web::WEB_APP_BUILT {
            println!("note: the web app was not built into this binary (npm missing); see the page at /");
        }
    }

    let jobs = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            let mut n: u64 = 0;
            loop {
                tick.tick().await;
                n += 1;
                if let Err(e) = app.checkpoint_if_due().await {
                    tracing::error!(error = %e, "audit checkpoint failed");
                }
                match app.run_case_timers().await {
                    Ok((0, 0)) => {}
                    Ok((warned, overdue)) => tracing::info!(warned, overdue, "case time limits"),
                    Err(e) => tracing::error!(error = %e, "case timers failed"),
                }
                if n.is_multiple_of(12) {
                    if let Err(e) = app.store.purge_sessions(app.now_ms()).await {
                        tracing::warn!(error = %e, "purging sessions failed");
                    }
                    match app.apply_retention().await {
                        Ok(s) if s.bytes_freed > 0 => {
                            tracing::info!(expired = s.expired.len(), over_quota = s.over_quota.len(), "retention")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!(error = %e, "retention failed"),
                    }
                }
            }
        })
    };

    // Digests run apart, so many members' digests never hold back case time limits.
    let digests = {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                match app.send_digests().await {
                    Ok(0) => {}
                    Ok(sent) => tracing::info!(sent, "community digests"),
                    Err(e) => tracing::error!(error = %e, "community digests failed"),
                }
            }
        })
    };

    shutdown_signal().await;
    tracing::info!("shutting down");
    digests.abort();
    let _ = tx.send(true);
    for s in servers {
        if let Ok(Err(e)) = s.await {
            tracing::error!(error = %e, "server error");
        }
    }
    jobs.abort();
    if let Some(t) = rtsp_task {
        t.abort();
    }
    if let Some(rec) = &app.recorder {
        rec.stop_all().await;
    }
    match app.checkpoint_now().await {
        Ok(Some(cp)) => tracing::info!(seq = cp.seq, "audit checkpoint written at shutdown"),
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e, "audit checkpoint at shutdown failed"),
    }
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

async fn user_add(
    storage: StorageArgs,
    username: &str,
    display_name: Option<String>,
    role: &str,
    region: Option<&str>,
) -> anyhow::Result<()> {
    let role = Role::parse(role).with_context(|| {
        let all: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown role {role:?}; one of {}", all.join(", "))
    })?;
    let c = load_config(None, &storage, None)?;
    let store = open_store(&c).await?;
    let signer = AuditSigner::load_or_create(&c.data_dir)?;
    let app = App::new(store.clone(), Arc::new(SystemClock), c.auth_config(), signer);
    eprintln!("Password for {username} (read from standard input, ≥ 12 characters):");
    let mut password = String::new();
    std::io::stdin().read_line(&mut password)?;
    let password = password.trim_end_matches(['\r', '\n']).to_owned();
    let new = NewUser {
        username: username.to_owned(),
        display_name: display_name.unwrap_or_else(|| username.to_owned()),
        password,
    };
    let u = app.bootstrap_user(&new, role, region).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    app.checkpoint_now().await.map_err(|e| anyhow::anyhow!("{e}"))?;
    store.close().await;
    println!("created user {} ({}) with role {}", u.username, u.id, role.as_str());
    Ok(())
}

async fn audit_verify(storage: StorageArgs) -> anyhow::Result<std::process::ExitCode> {
    let c = load_config(None, &storage, None)?;
    let url = c.database_url();
    if c.database_url.is_none() && !c.data_dir.join("palmgrid.db").exists() {
        bail!("no database at {}", c.data_dir.join("palmgrid.db").display());
    }
    let store = Store::connect(&url).await.with_context(|| format!("opening database {}", redact(&url)))?;
    let trusted = audit::trusted_public_key(&c.data_dir);
    if trusted.is_none() {
        eprintln!(
            "warning: no signing key in {}; checkpoint signatures are checked against the keys they name",
            c.data_dir.display()
        );
    }
    let result = audit::verify(&store, trusted.as_deref()).await;
    store.close().await;
    match result {
        Ok(r) => {
            println!(
                "audit log intact: {} entries, {} signed checkpoints (last at entry {})",
                r.entries,
                r.checkpoints,
                r.last_checkpoint_seq.map(|s| s.to_string()).unwrap_or_else(|| "none".into())
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        Err(e) => {
            println!("audit log BROKEN: {e}");
            Ok(std::process::ExitCode::from(2))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact("sqlite:/x"), "sqlite:/x");
    }
}
