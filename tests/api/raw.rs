//! HTTP/1.1 by hand over a TCP socket, for the clients no HTTP library
//! would be: ones that stop halfway through a request head or a body, or
//! announce more than they send.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// One connection to the service.
#[derive(Debug)]
pub struct Raw {
    stream: TcpStream,
    /// Bytes read past the last response.
    pending: Vec<u8>,
}

/// A response as read off the socket.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// `host:port` of a base URL such as `http://127.0.0.1:8080`.
pub fn socket_address(base_url: &str) -> &str {
    base_url.trim_start_matches("http://")
}

impl Raw {
    pub async fn connect(address: &str) -> Raw {
        let stream = TcpStream::connect(address).await.unwrap();
        stream.set_nodelay(true).unwrap();
        Raw { stream, pending: Vec::new() }
    }

    /// Sends `bytes`; `false` when the server has closed the connection.
    pub async fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).await.is_ok()
    }

    /// The next response, within `limit`; `None` when the connection closes
    /// (or the time runs out) before a whole one arrived.
    pub async fn response(&mut self, limit: Duration) -> Option<RawResponse> {
        tokio::time::timeout(limit, self.read_response()).await.ok().flatten()
    }

    async fn read_response(&mut self) -> Option<RawResponse> {
        let head_end = loop {
            if let Some(end) = self.pending.windows(4).position(|window| window == b"\r\n\r\n") {
                break end;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.pending[..head_end]).into_owned();
        self.pending.drain(..head_end + 4);
        let mut lines = head.split("\r\n");
        let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        while self.pending.len() < length {
            self.fill().await?;
        }
        let body = String::from_utf8_lossy(&self.pending[..length]).into_owned();
        self.pending.drain(..length);
        Some(RawResponse { status, headers, body })
    }

    /// Reads more; `None` at the end of the stream or on an error.
    async fn fill(&mut self) -> Option<()> {
        let mut chunk = [0; 8192];
        match self.stream.read(&mut chunk).await {
            Ok(0) | Err(_) => None,
            Ok(read) => {
                self.pending.extend_from_slice(&chunk[..read]);
                Some(())
            }
        }
    }

    /// Waits up to `limit` for the server to close the connection (an end
    /// of stream or a reset), discarding whatever it sends meanwhile; how
    /// long that took, or `None` if it stayed open.
    pub async fn closed_within(&mut self, limit: Duration) -> Option<Duration> {
        let started = Instant::now();
        let closed = async {
            while self.fill().await.is_some() {
                self.pending.clear();
            }
        };
        tokio::time::timeout(limit, closed).await.ok().map(|()| started.elapsed())
    }
}
