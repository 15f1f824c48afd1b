//! IMDSv2 session tokens: opaque, 56 characters, bound to one emulator, expiring by the
//! emulated clock.
//!
//! Tokens are stateless (the emulator keeps no table of issued tokens, so a client minting
//! millions of them costs no memory): 40 bytes, base64 with `==` padding like real ones,
//! holding a version prefix, the issue time, the TTL, a nonce and a 128-bit tag keyed by a
//! per-emulator random key. A token from another emulator (another "instance") fails the
//! tag check, as tokens are instance-specific on EC2.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// First bytes of every token: base64 `AQAEA…`, the prefix seen on real tokens.
const PREFIX: [u8; 4] = [0x01, 0x00, 0x04, 0x00];
const RAW_LEN: usize = 40;
/// Base64 of 40 bytes.
pub(crate) const TOKEN_LEN: usize = 56;

#[derive(Debug)]
pub(crate) struct TokenMint {
    key: RandomState,
    counter: AtomicU64,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Check {
    /// Valid, with the seconds it has left.
    Valid {
        remaining: u64,
    },
    Expired,
    Invalid,
}

impl TokenMint {
    pub(crate) fn new() -> Self {
        TokenMint {
            key: RandomState::new(),
            counter: AtomicU64::new(0),
        }
    }

    fn tag(&self, body: &[u8]) -> [u8; 16] {
        let a = self.key.hash_one((b"imds-token-tag-a", body));
        let b = self.key.hash_one((b"imds-token-tag-b", body));
        let mut tag = [0u8; 16];
        tag[..8].copy_from_slice(&a.to_be_bytes());
        tag[8..].copy_from_slice(&b.to_be_bytes());
        tag
    }

    /// A new token issued at `now` (emulated Unix seconds) for `ttl` seconds.
    pub(crate) fn issue(&self, now: i64, ttl: u32) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let nonce = self.key.hash_one((b"imds-token-nonce", n));
        let mut raw = [0u8; RAW_LEN];
        raw[..4].copy_from_slice(&PREFIX);
        raw[4..12].copy_from_slice(&now.to_be_bytes());
        raw[12..16].copy_from_slice(&ttl.to_be_bytes());
        raw[16..24].copy_from_slice(&nonce.to_be_bytes());
        let tag = self.tag(&raw[..24]);
        raw[24..].copy_from_slice(&tag);
        STANDARD.encode(raw)
    }

    /// Checks a presented token against the emulated time `now`.
    pub(crate) fn check(&self, token: &[u8], now: i64) -> Check {
        if token.len() != TOKEN_LEN {
            return Check::Invalid;
        }
        let mut raw = [0u8; RAW_LEN + 2];
        let Ok(len) = STANDARD.decode_slice(token, &mut raw) else {
            return Check::Invalid;
        };
        if len != RAW_LEN || raw[..4] != PREFIX || self.tag(&raw[..24]) != raw[24..RAW_LEN] {
            return Check::Invalid;
        }
        let mut issued = [0u8; 8];
        issued.copy_from_slice(&raw[4..12]);
        let mut ttl = [0u8; 4];
        ttl.copy_from_slice(&raw[12..16]);
        let expires = i64::from_be_bytes(issued).saturating_add(i64::from(u32::from_be_bytes(ttl)));
        if now >= expires {
            Check::Expired
        } else {
            Check::Valid {
                remaining: u64::try_from(expires - now).unwrap_or(0),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_look_real_and_verify() {
        let mint = TokenMint::new();
        let token = mint.issue(1000, 21_600);
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.starts_with("AQAEA"), "{token}");
        assert!(token.ends_with("=="), "{token}");
        assert_eq!(
            mint.check(token.as_bytes(), 1000),
            Check::Valid { remaining: 21_600 }
        );
        assert_eq!(
            mint.check(token.as_bytes(), 22_599),
            Check::Valid { remaining: 1 }
        );
        assert_eq!(mint.check(token.as_bytes(), 22_600), Check::Expired);
        assert_ne!(mint.issue(1000, 21_600), token, "tokens are unique");
    }

    #[test]
    fn foreign_and_tampered_tokens_are_invalid() {
        let mint = TokenMint::new();
        let other = TokenMint::new();
        let token = other.issue(1000, 60);
        assert_eq!(mint.check(token.as_bytes(), 1000), Check::Invalid);
        let mut mine = mint.issue(1000, 60).into_bytes();
        mine[10] = if mine[10] == b'A' { b'B' } else { b'A' };
        assert_eq!(mint.check(&mine, 1000), Check::Invalid);
        assert_eq!(mint.check(b"", 1000), Check::Invalid);
        assert_eq!(mint.check(&[b'x'; 56], 1000), Check::Invalid);
    }
}
