//! The few pieces of the DNS wire format (RFC 1035 §4) the VPC resolver
//! needs: read a query's header and question, write an answer with A
//! records, or an error with only a response code (pure: bytes in, bytes out).
//!
//! Nothing here is cached or allocated per name beyond the question itself;
//! a query that cannot be read is answered `FORMERR` when its id can be read
//! at all, and dropped otherwise (as resolvers do).

use std::net::Ipv4Addr;

/// A record or query type: A.
pub const TYPE_A: u16 = 1;
/// A query type: ANY (`*`).
pub const TYPE_ANY: u16 = 255;
/// The Internet class.
pub const CLASS_IN: u16 = 1;

/// Response codes (RFC 1035 §4.1.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rcode {
    /// No error.
    NoError = 0,
    /// The query could not be read.
    FormErr = 1,
    /// The server failed (the upstream resolver did not answer).
    ServFail = 2,
    /// The name does not exist (authoritative).
    NxDomain = 3,
    /// The kind of query is not supported (opcode other than QUERY).
    NotImp = 4,
}

/// The header flags the resolver reads or sets.
const QR: u16 = 0x8000;
const AA: u16 = 0x0400;
const TC: u16 = 0x0200;
const RD: u16 = 0x0100;
const RA: u16 = 0x0080;
const OPCODE_MASK: u16 = 0x7800;

/// A query as read from the wire: what to answer and how to echo it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The id, echoed in the answer.
    pub id: u16,
    /// The header flags, for RD and the opcode.
    pub flags: u16,
    /// The question's name, lower-cased, without the trailing dot.
    pub name: String,
    /// The question's type.
    pub qtype: u16,
    /// The question's class.
    pub qclass: u16,
    /// The question section as sent (name, type, class), echoed verbatim.
    question: Vec<u8>,
}

impl Query {
    /// Reads the header and the first question of `msg`. `Err` carries the
    /// id when the header was readable (answer FORMERR), `None` otherwise
    /// (drop the packet).
    pub fn parse(msg: &[u8]) -> Result<Query, Option<u16>> {
        if msg.len() < 12 {
            return Err(None);
        }
        let id = u16::from_be_bytes([msg[0], msg[1]]);
        let flags = u16::from_be_bytes([msg[2], msg[3]]);
        let qdcount = u16::from_be_bytes([msg[4], msg[5]]);
        if flags & QR != 0 {
            // A response sent to the server: never answer it (no loops).
            return Err(None);
        }
        if qdcount == 0 {
            return Err(Some(id));
        }
        let mut at = 12;
        let mut labels: Vec<String> = Vec::new();
        loop {
            let len = *msg.get(at).ok_or(Some(id))? as usize;
            at += 1;
            if len == 0 {
                break;
            }
            // Compression pointers (0b11……) have no business in a question.
            if len > 63 {
                return Err(Some(id));
            }
            let label = msg.get(at..at + len).ok_or(Some(id))?;
            labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
            at += len;
        }
        let fixed = msg.get(at..at + 4).ok_or(Some(id))?;
        let qtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let qclass = u16::from_be_bytes([fixed[2], fixed[3]]);
        at += 4;
        Ok(Query {
            id,
            flags,
            name: labels.join("."),
            qtype,
            qclass,
            question: msg[12..at].to_vec(),
        })
    }

    /// Whether the opcode is a standard QUERY.
    pub fn is_standard(&self) -> bool {
        self.flags & OPCODE_MASK == 0
    }

    /// Whether the question asks for IPv4 addresses (A or ANY, class IN).
    pub fn wants_a(&self) -> bool {
        self.qclass == CLASS_IN && (self.qtype == TYPE_A || self.qtype == TYPE_ANY)
    }

    /// An authoritative answer: `addresses` as A records with `ttl`
    /// (NOERROR with no records when empty: the name exists, the type or
    /// the healthy instances do not).
    pub fn answer(&self, addresses: &[Ipv4Addr], ttl: u32) -> Vec<u8> {
        let count = if self.wants_a() { addresses.len() } else { 0 };
        let mut out = self.header(Rcode::NoError, true, count as u16);
        for ip in addresses.iter().take(count) {
            // The name: a pointer to the question's (offset 12).
            out.extend_from_slice(&[0xC0, 0x0C]);
            out.extend_from_slice(&TYPE_A.to_be_bytes());
            out.extend_from_slice(&CLASS_IN.to_be_bytes());
            out.extend_from_slice(&ttl.to_be_bytes());
            out.extend_from_slice(&4u16.to_be_bytes());
            out.extend_from_slice(&ip.octets());
        }
        out
    }

    /// An answer with no records and `rcode` (`authoritative` for names
    /// the resolver owns, e.g. NXDOMAIN in a discovery namespace).
    pub fn error(&self, rcode: Rcode, authoritative: bool) -> Vec<u8> {
        self.header(rcode, authoritative, 0)
    }

    fn header(&self, rcode: Rcode, authoritative: bool, answers: u16) -> Vec<u8> {
        let mut flags = QR | RA | (self.flags & (RD | OPCODE_MASK)) | rcode as u16;
        if authoritative {
            flags |= AA;
        }
        let mut out = Vec::with_capacity(12 + self.question.len() + 16 * answers as usize);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&flags.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&answers.to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&self.question);
        out
    }
}

/// A bare FORMERR for a query whose question could not be read.
pub fn format_error(id: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(12);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&(QR | RA | Rcode::FormErr as u16).to_be_bytes());
    out.extend_from_slice(&[0; 8]);
    out
}

/// Whether a response has the TC (truncated) bit: the client should ask
/// again over TCP.
pub fn is_truncated(msg: &[u8]) -> bool {
    msg.len() >= 4 && u16::from_be_bytes([msg[2], msg[3]]) & TC != 0
}

/// The response code of a response (for logs and tests).
pub fn rcode_of(msg: &[u8]) -> Option<u8> {
    (msg.len() >= 4).then(|| msg[3] & 0x0F)
}

/// A query for `name` and `qtype` with id `id` and RD set (tests and the
/// resolver's own checks).
pub fn build_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut out = Vec::with_capacity(18 + name.len());
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&RD.to_be_bytes());
    out.extend_from_slice(&[0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
    {
        out.push(label.len().min(63) as u8);
        out.extend_from_slice(&label.as_bytes()[..label.len().min(63)]);
    }
    out.push(0);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&CLASS_IN.to_be_bytes());
    out
}

/// The A records' addresses in a response (tests and the resolver's own
/// checks); skips the question and any record that is not A/IN.
pub fn a_records(msg: &[u8]) -> Vec<Ipv4Addr> {
    let mut out = Vec::new();
    if msg.len() < 12 {
        return out;
    }
    let qdcount = u16::from_be_bytes([msg[4], msg[5]]);
    let ancount = u16::from_be_bytes([msg[6], msg[7]]);
    let mut at = 12;
    for _ in 0..qdcount {
        let Some(next) = skip_name(msg, at) else {
            return out;
        };
        at = next + 4;
    }
    for _ in 0..ancount {
        let Some(next) = skip_name(msg, at) else {
            return out;
        };
        let Some(fixed) = msg.get(next..next + 10) else {
            return out;
        };
        let rtype = u16::from_be_bytes([fixed[0], fixed[1]]);
        let class = u16::from_be_bytes([fixed[2], fixed[3]]);
        let len = u16::from_be_bytes([fixed[8], fixed[9]]) as usize;
        let data = next + 10;
        if rtype == TYPE_A
            && class == CLASS_IN
            && len == 4
            && let Some(d) = msg.get(data..data + 4)
        {
            out.push(Ipv4Addr::new(d[0], d[1], d[2], d[3]));
        }
        at = data + len;
    }
    out
}

/// The offset just past the (possibly compressed) name at `at`.
fn skip_name(msg: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *msg.get(at)?;
        if len == 0 {
            return Some(at + 1);
        }
        if len & 0xC0 == 0xC0 {
            return Some(at + 2);
        }
        at += 1 + len as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_round_trips_into_an_answer() {
        let q = Query::parse(&build_query(0x1234, "Redis.Prod.Local.", TYPE_A)).unwrap();
        assert_eq!(q.id, 0x1234);
        assert_eq!(q.name, "redis.prod.local");
        assert!(q.is_standard() && q.wants_a());
        let ips = [Ipv4Addr::new(10, 0, 1, 5), Ipv4Addr::new(10, 0, 2, 6)];
        let answer = q.answer(&ips, 10);
        assert_eq!(&answer[..2], &[0x12, 0x34]);
        assert_eq!(rcode_of(&answer), Some(0));
        // QR, AA, RD (echoed), RA.
        assert_eq!(u16::from_be_bytes([answer[2], answer[3]]), 0x8580);
        assert_eq!(a_records(&answer), ips);
        assert!(!is_truncated(&answer));
    }

    #[test]
    fn other_types_get_no_records_and_errors_carry_the_question() {
        let q = Query::parse(&build_query(7, "redis.prod.local", 28)).unwrap();
        assert!(!q.wants_a());
        let answer = q.answer(&[Ipv4Addr::new(10, 0, 1, 5)], 10);
        assert_eq!(rcode_of(&answer), Some(0));
        assert!(a_records(&answer).is_empty());
        let nx = q.error(Rcode::NxDomain, true);
        assert_eq!(rcode_of(&nx), Some(3));
        assert_eq!(u16::from_be_bytes([nx[4], nx[5]]), 1, "question echoed");
        assert_eq!(&nx[12..], &build_query(7, "redis.prod.local", 28)[12..]);
    }

    #[test]
    fn unreadable_queries_are_formerr_or_dropped() {
        assert_eq!(Query::parse(&[1, 2, 3]), Err(None));
        let mut truncated = build_query(9, "a.b", TYPE_A);
        truncated.truncate(15);
        assert_eq!(Query::parse(&truncated), Err(Some(9)));
        let mut pointer = build_query(9, "a.b", TYPE_A);
        pointer[12] = 0xC0;
        assert_eq!(Query::parse(&pointer), Err(Some(9)));
        let mut response = build_query(9, "a.b", TYPE_A);
        response[2] |= 0x80;
        assert_eq!(
            Query::parse(&response),
            Err(None),
            "responses are never answered"
        );
        let formerr = format_error(9);
        assert_eq!(rcode_of(&formerr), Some(1));
        assert_eq!(&formerr[..2], &[0, 9]);
    }

    #[test]
    fn non_query_opcodes_are_recognised() {
        let mut notify = build_query(3, "a.b", TYPE_A);
        notify[2] |= 0x20; // opcode 4 (NOTIFY)
        let q = Query::parse(&notify).unwrap();
        assert!(!q.is_standard());
        assert_eq!(rcode_of(&q.error(Rcode::NotImp, false)), Some(4));
    }
}
