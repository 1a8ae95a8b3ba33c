//! AWS's predefined ELB security policies (DescribeSSLPolicies), as the
//! ALB user guide's "Security policies" tables give them: each policy's TLS
//! protocols and its ciphers in server-preference order (a cipher's
//! `Priority` is its 1-based place in that order). The policies listed are
//! the TLS 1.0–1.2 era ones and the 2021 TLS 1.3 ones; the FIPS and
//! post-quantum families are not listed.

use crate::services::elbv2::errors::ElbError;

/// One predefined policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SslPolicy {
    /// `Name`.
    pub name: &'static str,
    /// `SslProtocols`.
    pub protocols: &'static [&'static str],
    /// `Ciphers`, highest priority first.
    pub ciphers: &'static [&'static str],
}

/// Load-balancer types every listed policy supports.
pub const SUPPORTED_TYPES: &[&str] = &["application", "network"];

const TLS10_12: &[&str] = &["TLSv1", "TLSv1.1", "TLSv1.2"];
const TLS11_12: &[&str] = &["TLSv1.1", "TLSv1.2"];
const TLS12: &[&str] = &["TLSv1.2"];
const TLS12_13: &[&str] = &["TLSv1.2", "TLSv1.3"];
const TLS13: &[&str] = &["TLSv1.3"];

/// The 2016-08 suite: ECDHE (GCM, CBC-SHA256, CBC-SHA) then RSA key
/// exchange, AES-128 before AES-256.
const CLASSIC: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
];

/// The 2015-04 suite: the classic one plus 3DES.
const CLASSIC_3DES: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
    "DES-CBC3-SHA",
];

/// TLS 1.2 without CBC-SHA1 ciphers.
const TLS12_2017: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
];

/// Forward secrecy: ECDHE only.
const FS: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
];

/// Forward secrecy, restricted: no CBC-SHA1.
const FS_RES_2019: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
];

/// Forward secrecy, AEAD only.
const FS_RES_2020: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
];

/// TLS 1.3 suites, then TLS 1.2 ECDHE with SHA-2.
const TLS13_12: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
];

/// TLS 1.3 suites, then TLS 1.2 ECDHE AEAD only.
const TLS13_12_RES: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
];

/// TLS 1.3 only.
const TLS13_ONLY: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

/// Every policy emul knows, in the order DescribeSSLPolicies lists them.
pub const POLICIES: &[SslPolicy] = &[
    SslPolicy {
        name: "ELBSecurityPolicy-2016-08",
        protocols: TLS10_12,
        ciphers: CLASSIC,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        protocols: TLS12_13,
        ciphers: TLS13_12,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        protocols: TLS12_13,
        ciphers: TLS13_12_RES,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS13-1-3-2021-06",
        protocols: TLS13,
        ciphers: TLS13_ONLY,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS-1-0-2015-04",
        protocols: TLS10_12,
        ciphers: CLASSIC_3DES,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS-1-1-2017-01",
        protocols: TLS11_12,
        ciphers: CLASSIC,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS-1-2-2017-01",
        protocols: TLS12,
        ciphers: TLS12_2017,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        protocols: TLS12,
        ciphers: CLASSIC,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-FS-2018-06",
        protocols: TLS10_12,
        ciphers: FS,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-FS-1-1-2019-08",
        protocols: TLS11_12,
        ciphers: FS,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-FS-1-2-2019-08",
        protocols: TLS12,
        ciphers: FS,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        protocols: TLS12,
        ciphers: FS_RES_2019,
    },
    SslPolicy {
        name: "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        protocols: TLS12,
        ciphers: FS_RES_2020,
    },
];

/// The policy named `name`.
pub fn find(name: &str) -> Option<&'static SslPolicy> {
    POLICIES.iter().find(|p| p.name == name)
}

/// DescribeSSLPolicies: the named policies in the order asked (each
/// once; an unknown name fails the whole call), or all of them, kept to
/// those supporting `lb_type` when given.
pub fn describe(
    names: &[String],
    lb_type: Option<&str>,
) -> Result<Vec<&'static SslPolicy>, ElbError> {
    let mut chosen: Vec<&'static SslPolicy> = Vec::new();
    for n in names {
        let p = find(n)
            .ok_or_else(|| ElbError::SslPolicyNotFound(format!("SSL policy '{n}' not found")))?;
        if !chosen.iter().any(|c| c.name == p.name) {
            chosen.push(p);
        }
    }
    if names.is_empty() {
        chosen = POLICIES.iter().collect();
    }
    Ok(chosen
        .into_iter()
        .filter(|_| lb_type.is_none_or(|t| SUPPORTED_TYPES.contains(&t)))
        .collect())
}
