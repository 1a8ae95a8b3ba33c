//! AWS's rules for an HTTP/1 request head, as pure functions of its bytes:
//! the limits, and the verdict the front door ([`super::front`]) acts on.
//! Nothing here does IO; [`judge_head`] is called on the bytes buffered so
//! far and says whether to wait, pass the head to hyper, or answer a page.
//!
//! Limits (aws-reference.md §1.9): a request line over 16 KiB → 414 (the
//! connection stays open); a header line over 16 KiB, or headers over
//! 64 KiB in all → 400; more than [`MAX_HEADERS`] header fields → 400
//! (emul's own bound; hyper must preallocate their slots);
//! `Transfer-Encoding` other than `chunked` / `identity` → 501; an HTTP
//! version other than 1.0/1.1 → 505; anything else httparse refuses → 400.
//! The body's framing ([`BodyFraming`]) tells the door where the next head
//! starts; [`chunk_size`] reads a chunked body's size lines.

/// Longest request line (method, URI, version) before 414.
pub const MAX_REQUEST_LINE: usize = 16 * 1024;
/// Longest single header line before 400.
pub const MAX_HEADER_LINE: usize = 16 * 1024;
/// Most header bytes (all lines after the request line) before 400.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Most header fields in one head; hyper is configured with the same bound.
pub const MAX_HEADERS: usize = 2048;
/// Longest chunk-size or trailer line followed before going raw.
pub const MAX_CHUNK_LINE: usize = 4096;

/// How a head's body is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// No body (or `Content-Length: 0`).
    None,
    /// `Content-Length`.
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
    /// `Upgrade`/`CONNECT`: the rest of the connection is opaque.
    Opaque,
}

/// The door's judgement of the bytes of a head.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not complete yet (and not over a limit).
    Partial,
    /// Complete and fine: `head_len` bytes, then the body.
    Accept {
        /// Bytes of the head, blank line included.
        head_len: usize,
        /// How the body after it is framed.
        body: BodyFraming,
    },
    /// Complete and fine but for a request line over 16 KiB.
    TooLongLine {
        /// Bytes of the head, blank line included (replaced by the 414).
        head_len: usize,
        /// How the body after it is framed (dropped, not forwarded).
        body: BodyFraming,
    },
    /// Refused with this status; the connection closes.
    Refuse(u16),
}

/// Judges the bytes at the start of a head.
pub fn judge_head(bytes: &[u8]) -> Verdict {
    // Every header line ends in LF, so there are at most that many fields.
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    let mut slots = vec![httparse::EMPTY_HEADER; lines.clamp(1, MAX_HEADERS + 1)];
    let mut req = httparse::Request::new(&mut slots);
    match req.parse(bytes) {
        Ok(httparse::Status::Partial) => {
            if lines > MAX_HEADERS + 1 {
                return Verdict::Refuse(400);
            }
            let line_end = bytes.iter().position(|b| *b == b'\n');
            let line_len = line_end.unwrap_or(bytes.len());
            let over = match line_end {
                None => line_len > MAX_REQUEST_LINE + MAX_HEADER_BYTES,
                Some(end) => bytes.len() - end > MAX_HEADER_BYTES + 4,
            };
            if over {
                Verdict::Refuse(400)
            } else {
                Verdict::Partial
            }
        }
        Ok(httparse::Status::Complete(head_len)) => judge_complete(bytes, &req, head_len),
        Err(httparse::Error::TooManyHeaders) => Verdict::Refuse(400),
        Err(httparse::Error::Version) => Verdict::Refuse(version_status(bytes)),
        Err(_) => Verdict::Refuse(400),
    }
}

/// 505 for a well-formed `HTTP/x.y` other than 1.0/1.1, else 400.
fn version_status(bytes: &[u8]) -> u16 {
    let line = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let line = trim_cr(line);
    let version = line.rsplit(|b| *b == b' ').next().unwrap_or(&[]);
    let well_formed = version.len() == 8
        && version.starts_with(b"HTTP/")
        && version[5].is_ascii_digit()
        && version[6] == b'.'
        && version[7].is_ascii_digit();
    if well_formed { 505 } else { 400 }
}

/// Judges a head httparse found complete (`head_len` bytes): the per-line
/// and total header limits, and the body's framing from `Content-Length`,
/// `Transfer-Encoding`, `Upgrade` and `CONNECT`.
fn judge_complete(bytes: &[u8], req: &httparse::Request<'_, '_>, head_len: usize) -> Verdict {
    let line_end = bytes.iter().position(|b| *b == b'\n').unwrap_or(0);
    let header_bytes = head_len - (line_end + 1);
    // `judge_head` gives httparse one slot more than the bound so that a
    // head of exactly `MAX_HEADERS + 1` fields parses: refuse it here, or
    // hyper (same bound) would answer its own bare 431.
    if header_bytes > MAX_HEADER_BYTES + 2 || req.headers.len() > MAX_HEADERS {
        return Verdict::Refuse(400);
    }
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut opaque = req.method == Some("CONNECT");
    for h in req.headers.iter() {
        if h.name.len() + 2 + h.value.len() > MAX_HEADER_LINE {
            return Verdict::Refuse(400);
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            let Some(n) = std::str::from_utf8(h.value)
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
            else {
                return Verdict::Refuse(400);
            };
            if length.is_some_and(|l| l != n) {
                return Verdict::Refuse(400);
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            if req.version != Some(1) {
                return Verdict::Refuse(400); // HTTP/1.0 has no transfer codings
            }
            let Ok(v) = std::str::from_utf8(h.value) else {
                return Verdict::Refuse(400);
            };
            let codings: Vec<String> = v
                .split(',')
                .map(|c| c.trim().to_ascii_lowercase())
                .collect();
            if codings.iter().any(|c| c != "chunked" && c != "identity") {
                return Verdict::Refuse(501);
            }
            // hyper frames by the final coding and refuses a body whose
            // final coding is not `chunked` (emul's one gap: AWS would take
            // a lone `identity`).
            if codings.last().map(String::as_str) != Some("chunked") {
                return Verdict::Refuse(400);
            }
            chunked = true;
        } else if h.name.eq_ignore_ascii_case("upgrade") {
            opaque = true;
        }
    }
    // With both framings `Transfer-Encoding` wins, as in hyper (which
    // then closes the connection after the response).
    let body = if opaque {
        BodyFraming::Opaque
    } else if chunked {
        BodyFraming::Chunked
    } else {
        match length {
            Some(0) | None => BodyFraming::None,
            Some(n) => BodyFraming::Length(n),
        }
    };
    if trim_cr(&bytes[..line_end]).len() > MAX_REQUEST_LINE {
        Verdict::TooLongLine { head_len, body }
    } else {
        Verdict::Accept { head_len, body }
    }
}

/// The size of a chunk-size line (extensions after `;` ignored).
pub fn chunk_size(line: &[u8]) -> Option<u64> {
    let hex = line.split(|b| *b == b';').next()?;
    let hex = std::str::from_utf8(hex).ok()?.trim();
    if hex.is_empty() || hex.len() > 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

/// `line` without the `\r` of its CRLF ending (a bare LF ends a line too).
pub fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A head of `lines` (request line first) ended by the blank line.
    fn head(lines: &[&str]) -> Vec<u8> {
        let mut h = lines.join("\r\n");
        h.push_str("\r\n\r\n");
        h.into_bytes()
    }

    fn accept(bytes: &[u8], body: BodyFraming) -> Verdict {
        Verdict::Accept {
            head_len: bytes.len(),
            body,
        }
    }

    #[test]
    fn every_verdict_on_small_heads() {
        use BodyFraming::{Chunked, Length, None, Opaque};
        // (what, head, expected verdict; None = Accept of the whole head
        // with the given framing)
        let cases: Vec<(&str, Vec<u8>, Result<BodyFraming, Verdict>)> = vec![
            ("plain GET", head(&["GET / HTTP/1.1", "Host: a"]), Ok(None)),
            ("HTTP/1.0 without Host", head(&["GET / HTTP/1.0"]), Ok(None)),
            (
                "bare LF line endings",
                b"GET / HTTP/1.1\nHost: a\n\n".to_vec(),
                Ok(None),
            ),
            ("empty input", Vec::new(), Err(Verdict::Partial)),
            (
                "request line unfinished",
                b"GET / HT".to_vec(),
                Err(Verdict::Partial),
            ),
            (
                "headers unfinished",
                b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec(),
                Err(Verdict::Partial),
            ),
            (
                "Content-Length",
                head(&["POST / HTTP/1.1", "Host: a", "Content-Length: 5"]),
                Ok(Length(5)),
            ),
            (
                "Content-Length: 0 is no body",
                head(&["POST / HTTP/1.1", "Host: a", "content-length: 0"]),
                Ok(None),
            ),
            (
                "repeated equal Content-Length",
                head(&["POST / HTTP/1.1", "Content-Length: 7", "Content-Length: 7"]),
                Ok(Length(7)),
            ),
            (
                "conflicting Content-Length",
                head(&["POST / HTTP/1.1", "Content-Length: 7", "Content-Length: 8"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "non-numeric Content-Length",
                head(&["POST / HTTP/1.1", "Content-Length: abc"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "signed Content-Length",
                head(&["POST / HTTP/1.1", "Content-Length: +5"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "empty Content-Length",
                head(&["POST / HTTP/1.1", "Content-Length: "]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "chunked",
                head(&["POST / HTTP/1.1", "Transfer-Encoding: Chunked"]),
                Ok(Chunked),
            ),
            (
                "identity then chunked",
                head(&["POST / HTTP/1.1", "Transfer-Encoding: identity, chunked"]),
                Ok(Chunked),
            ),
            (
                "chunked wins over Content-Length",
                head(&[
                    "POST / HTTP/1.1",
                    "Content-Length: 3",
                    "Transfer-Encoding: chunked",
                ]),
                Ok(Chunked),
            ),
            (
                "unknown transfer coding",
                head(&["POST / HTTP/1.1", "Transfer-Encoding: gzip, chunked"]),
                Err(Verdict::Refuse(501)),
            ),
            (
                "identity alone (hyper cannot frame it)",
                head(&["POST / HTTP/1.1", "Transfer-Encoding: identity"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "chunked not last",
                head(&["POST / HTTP/1.1", "Transfer-Encoding: chunked, identity"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "transfer coding on HTTP/1.0",
                head(&["POST / HTTP/1.0", "Transfer-Encoding: chunked"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "Upgrade",
                head(&["GET /ws HTTP/1.1", "Host: a", "Upgrade: websocket"]),
                Ok(Opaque),
            ),
            (
                "CONNECT",
                head(&["CONNECT a:443 HTTP/1.1", "Host: a:443"]),
                Ok(Opaque),
            ),
            (
                "Upgrade beats Content-Length",
                head(&["POST / HTTP/1.1", "Upgrade: h2c", "Content-Length: 4"]),
                Ok(Opaque),
            ),
            (
                "HTTP/2.0 request line",
                head(&["GET / HTTP/2.0", "Host: a"]),
                Err(Verdict::Refuse(505)),
            ),
            (
                "HTTP/1.2",
                head(&["GET / HTTP/1.2", "Host: a"]),
                Err(Verdict::Refuse(505)),
            ),
            (
                "malformed version",
                head(&["GET / HTTP/1", "Host: a"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "not HTTP at all",
                head(&["GET / HTTX/1.1", "Host: a"]),
                Err(Verdict::Refuse(400)),
            ),
            (
                "garbage request line",
                b"\x01\x02 nonsense\r\n\r\n".to_vec(),
                Err(Verdict::Refuse(400)),
            ),
            (
                "space in a header name",
                head(&["GET / HTTP/1.1", "Bad Header: x"]),
                Err(Verdict::Refuse(400)),
            ),
        ];
        for (what, bytes, expected) in cases {
            let expected = match expected {
                Ok(body) => accept(&bytes, body),
                Err(v) => v,
            };
            assert_eq!(judge_head(&bytes), expected, "{what}");
        }
    }

    #[test]
    fn request_line_limit_answers_414_and_keeps_the_head() {
        let at_limit = format!("GET /{} HTTP/1.1", "a".repeat(MAX_REQUEST_LINE - 14));
        assert_eq!(at_limit.len(), MAX_REQUEST_LINE);
        let bytes = head(&[&at_limit, "Host: a"]);
        assert_eq!(judge_head(&bytes), accept(&bytes, BodyFraming::None));

        let over = format!("GET /{} HTTP/1.1", "a".repeat(MAX_REQUEST_LINE - 13));
        let bytes = head(&[&over, "Host: a", "Content-Length: 3"]);
        assert_eq!(
            judge_head(&bytes),
            Verdict::TooLongLine {
                head_len: bytes.len(),
                body: BodyFraming::Length(3),
            }
        );
    }

    #[test]
    fn header_line_limit_is_400() {
        // `name: value` is measured without its CRLF.
        let at_limit = format!("X-Big: {}", "v".repeat(MAX_HEADER_LINE - 7));
        assert_eq!(at_limit.len(), MAX_HEADER_LINE);
        let bytes = head(&["GET / HTTP/1.1", &at_limit]);
        assert_eq!(judge_head(&bytes), accept(&bytes, BodyFraming::None));

        let over = format!("X-Big: {}", "v".repeat(MAX_HEADER_LINE - 6));
        assert_eq!(
            judge_head(&head(&["GET / HTTP/1.1", &over])),
            Verdict::Refuse(400)
        );
    }

    #[test]
    fn total_header_bytes_limit_is_400() {
        // 16 lines of 4094 + CRLF = 64 KiB exactly, then the blank line.
        let line = |i: usize| format!("X-{i:02}: {}", "v".repeat(4094 - "X-00: ".len()));
        let mut lines = vec!["GET / HTTP/1.1".to_string()];
        lines.extend((0..16).map(line));
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        let bytes = head(&refs);
        assert_eq!(
            bytes.len() - "GET / HTTP/1.1\r\n".len(),
            MAX_HEADER_BYTES + 2
        );
        assert_eq!(judge_head(&bytes), accept(&bytes, BodyFraming::None));

        lines.push("X-One-More: 1".into());
        let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
        assert_eq!(judge_head(&head(&refs)), Verdict::Refuse(400));
    }

    #[test]
    fn header_count_limit_is_400() {
        let fields: Vec<String> = (0..=MAX_HEADERS).map(|i| format!("X-{i}: 1")).collect();
        let mut lines = vec!["GET / HTTP/1.1"];
        lines.extend(fields[..MAX_HEADERS].iter().map(String::as_str));
        let bytes = head(&lines);
        assert_eq!(judge_head(&bytes), accept(&bytes, BodyFraming::None));

        lines.push(&fields[MAX_HEADERS]);
        assert_eq!(judge_head(&head(&lines)), Verdict::Refuse(400));
        // Still incomplete but already over the count: no need to wait.
        let partial = head(&lines);
        assert_eq!(
            judge_head(&partial[..partial.len() - 2]),
            Verdict::Refuse(400)
        );
    }

    #[test]
    fn unfinished_heads_over_the_limits_are_400_before_they_end() {
        // A request line with no end in sight.
        let endless = vec![b'a'; MAX_REQUEST_LINE + MAX_HEADER_BYTES + 1];
        let mut line = b"GET /".to_vec();
        line.extend_from_slice(&endless);
        assert_eq!(judge_head(&line), Verdict::Refuse(400));
        assert_eq!(
            judge_head(&line[..MAX_REQUEST_LINE + MAX_HEADER_BYTES]),
            Verdict::Partial
        );
        // Headers that keep coming after the request line.
        let mut heads = b"GET / HTTP/1.1\r\nX-Long: ".to_vec();
        heads.extend(std::iter::repeat_n(b'v', MAX_HEADER_BYTES));
        assert_eq!(judge_head(&heads), Verdict::Refuse(400));
        assert_eq!(judge_head(&heads[..heads.len() - 8]), Verdict::Partial);
    }

    #[test]
    fn version_status_tells_505_from_400() {
        for (line, status) in [
            (&b"GET / HTTP/2.0\r\n"[..], 505),
            (b"GET / HTTP/3.1", 505),
            (b"GET / HTTP/1.x\r\n", 400),
            (b"GET / HTTP/10.0\r\n", 400),
            (b"GET / http/1.1\r\n", 400),
            (b"", 400),
        ] {
            assert_eq!(
                version_status(line),
                status,
                "{}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn chunk_size_lines() {
        for (line, size) in [
            (&b"5"[..], Some(5)),
            (b"1A", Some(26)),
            (b"a;name=value", Some(10)),
            (b" 3 ", Some(3)),
            (b"0", Some(0)),
            (b"ffffffffffffffff", Some(u64::MAX)),
            (b"10000000000000000", None),
            (b"", None),
            (b";ext", None),
            (b"zz", None),
            (b"-1", None),
        ] {
            assert_eq!(chunk_size(line), size, "{}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn trim_cr_takes_only_the_line_ending() {
        assert_eq!(trim_cr(b"abc\r"), b"abc");
        assert_eq!(trim_cr(b"abc"), b"abc");
        assert_eq!(trim_cr(b"a\rb"), b"a\rb");
    }
}
