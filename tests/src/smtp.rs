//! A real SMTP server for the mail tests: `tests/smtp/server.py`, on aiosmtpd from Debian's own
//! Python (`scripts/install-deps --tests` installs it), on a free port of 127.0.0.1. It keeps
//! each message it accepts as JSON in a folder, read back by [`SmtpServer::received`]. It can
//! be stopped and started again on the same port (a mail server down, then up), require
//! STARTTLS with a throwaway certificate, and require a login. A missing server fails the test
//! that needs it, with what to install.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope's recipients (those the server did not refuse).
    pub to: Vec<String>,
    pub subject: String,
    pub header_from: String,
    pub plain: String,
    pub html: String,
    pub attachments: Vec<String>,
    /// Whether it came over TLS.
    pub tls: bool,
}

#[derive(Debug)]
pub struct SmtpServer {
    pub port: u16,
    folder: tempfile::TempDir,
    options: Vec<String>,
    child: Option<Child>,
}

impl SmtpServer {
    /// A plain server, started.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(Vec::new())
    }

    /// A server that requires STARTTLS, with a certificate for 127.0.0.1 made now (its
    /// authority's certificate is [`SmtpServer::certificate`]).
    pub fn start_with_tls(login: Option<(&str, &str)>) -> SmtpServer {
        let folder = tempfile::tempdir().unwrap();
        let (cert, key) = (folder.path().join("server.crt"), folder.path().join("server.key"));
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
            ])
            .args(["-addext", "subjectAltName=IP:127.0.0.1", "-keyout"])
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl makes the test certificate (scripts/install-deps installs it)");
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let mut options = vec!["--cert".into(), path_text(&cert), "--key".into(), path_text(&key)];
        if let Some((user, secret)) = login {
            options.extend(["--login".to_string(), format!("{user}:{secret}")]);
        }
        let mut server = SmtpServer {
            port: free_port(),
            folder,
            options,
            child: None,
        };
        server.run();
        server
    }

    fn start_with(options: Vec<String>) -> SmtpServer {
        let mut server = SmtpServer {
            port: free_port(),
            folder: tempfile::tempdir().unwrap(),
            options,
            child: None,
        };
        server.run();
        server
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The certificate the server presents (also its own authority), for a TLS server.
    pub fn certificate(&self) -> PathBuf {
        self.folder.path().join("server.crt")
    }

    /// Starts it (again) on its port.
    pub fn run(&mut self) {
        assert!(self.child.is_none(), "the SMTP server is already running");
        let mail = self.folder.path().join("mail");
        std::fs::create_dir_all(&mail).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("smtp/server.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(self.port.to_string())
            .arg(&mail)
            .args(&self.options)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("Debian's /usr/bin/python3 runs the SMTP server (scripts/install-deps --tests)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.trim() != "ready" {
            let _ = child.kill();
            let mut stderr = String::new();
            use std::io::Read;
            let _ = child.stderr.take().unwrap().read_to_string(&mut stderr);
            panic!(
                "the test SMTP server did not start (is python3-aiosmtpd installed? scripts/install-deps --tests installs it):\n{stderr}"
            );
        }
        self.child = Some(child);
    }

    /// Stops it: the port refuses connections until [`SmtpServer::run`] again.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Every message accepted so far.
    pub fn received(&self) -> Vec<Received> {
        let mut found = Vec::new();
        for entry in std::fs::read_dir(self.folder.path().join("mail")).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            let list = |k: &str| -> Vec<String> {
                v[k].as_array()
                    .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                    .unwrap_or_default()
            };
            found.push(Received {
                to: list("to"),
                subject: text("subject"),
                header_from: text("header_from"),
                plain: text("plain"),
                html: text("html"),
                attachments: list("attachments"),
                tls: v["tls"].as_bool().unwrap_or(false),
            });
        }
        found.sort_by(|a, b| (&a.to, &a.subject).cmp(&(&b.to, &b.subject)));
        found
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
