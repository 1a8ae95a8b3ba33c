//! The client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677), as Postgres uses it.
//!
//! Pure: the caller feeds server messages and sends what comes back. Postgres
//! ignores the SCRAM user name (it uses the startup user), so it sends `n=`.
//! Passwords are used as bytes without SASLprep; ASCII passwords (all emul
//! generates) are unaffected.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// A SCRAM exchange in progress.
pub struct ScramClient {
    /// `n=<user>,r=<client nonce>`: part of the signed AuthMessage.
    client_first_bare: String,
    /// The client nonce; the server's nonce must start with it.
    nonce: String,
    /// The password.
    password: Vec<u8>,
    /// Set after the client-final message: the ServerSignature we expect.
    expected_server_signature: Option<Vec<u8>>,
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// PBKDF2-HMAC-SHA256 with one output block (32 bytes): SCRAM's Hi().
fn hi(password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
    let mut block = salt.to_vec();
    block.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(password, &block);
    let mut out = u.clone();
    for _ in 1..iterations {
        u = hmac(password, &u);
        for (o, x) in out.iter_mut().zip(&u) {
            *o ^= x;
        }
    }
    out
}

impl ScramClient {
    /// Starts an exchange with a given nonce (random in production).
    pub fn new(user: &str, password: &str, nonce: &str) -> Self {
        ScramClient {
            client_first_bare: format!("n={user},r={nonce}"),
            nonce: nonce.to_string(),
            password: password.as_bytes().to_vec(),
            expected_server_signature: None,
        }
    }

    /// Starts an exchange with a fresh random nonce.
    pub fn with_random_nonce(user: &str, password: &str) -> Self {
        let bytes: [u8; 18] = rand::random();
        Self::new(user, password, &B64.encode(bytes))
    }

    /// The client-first message (`n,,n=...,r=...`).
    pub fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare)
    }

    /// Takes the server-first message, returns the client-final message.
    pub fn client_final(&mut self, server_first: &str) -> Result<String, String> {
        let mut nonce = None;
        let mut salt = None;
        let mut iterations = None;
        for part in server_first.split(',') {
            match part.split_at_checked(2) {
                Some(("r=", v)) => nonce = Some(v.to_string()),
                Some(("s=", v)) => {
                    salt = Some(B64.decode(v).map_err(|e| format!("bad salt: {e}"))?)
                }
                Some(("i=", v)) => {
                    iterations = Some(
                        v.parse::<u32>()
                            .map_err(|e| format!("bad iteration count: {e}"))?,
                    )
                }
                _ => {}
            }
        }
        let (Some(nonce), Some(salt), Some(iterations)) = (nonce, salt, iterations) else {
            return Err(format!("incomplete server-first message {server_first:?}"));
        };
        if !nonce.starts_with(&self.nonce) || iterations == 0 {
            return Err("server nonce does not extend ours".into());
        }
        let salted = hi(&self.password, &salt, iterations);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let without_proof = format!("c=biws,r={nonce}");
        let auth_message = format!("{},{server_first},{without_proof}", self.client_first_bare);
        let client_signature = hmac(&stored_key, auth_message.as_bytes());
        let proof: Vec<u8> = client_key
            .iter()
            .zip(&client_signature)
            .map(|(a, b)| a ^ b)
            .collect();
        let server_key = hmac(&salted, b"Server Key");
        self.expected_server_signature = Some(hmac(&server_key, auth_message.as_bytes()));
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    /// Checks the server-final message (`v=...`): proves the server knew the password.
    pub fn verify_server_final(&self, server_final: &str) -> Result<(), String> {
        let Some(v) = server_final.strip_prefix("v=") else {
            return Err(format!("server-final message is an error: {server_final}"));
        };
        let got = B64
            .decode(v.trim_end_matches('\0'))
            .map_err(|e| format!("bad server signature: {e}"))?;
        match &self.expected_server_signature {
            Some(exp) if *exp == got => Ok(()),
            _ => Err("server signature mismatch".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7677 section 3's example exchange.
    #[test]
    fn rfc7677_vector() {
        let mut c = ScramClient::new("user", "pencil", "rOprNGfwEbeRWgbNEkqO");
        assert_eq!(c.client_first(), "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
        let fin = c
            .client_final("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")
            .unwrap();
        assert_eq!(
            fin,
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
        );
        c.verify_server_final("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
            .unwrap();
        assert!(c.verify_server_final("v=AAAA").is_err());
    }

    #[test]
    fn rejects_a_server_nonce_that_is_not_ours() {
        let mut c = ScramClient::new("", "pw", "abc");
        assert!(c.client_final("r=zzz,s=AAAA,i=4096").is_err());
    }
}

/// PBKDF2 exposed to the fake servers of other modules' tests.
#[cfg(test)]
pub(crate) mod tests_support {
    /// SCRAM's Hi().
    pub(crate) fn hi(password: &[u8], salt: &[u8], iterations: u32) -> Vec<u8> {
        super::hi(password, salt, iterations)
    }
}
