//! Phase 3 of a request ([`super::proxy`]): which target group and which
//! target get it, and the stickiness cookies the response must carry
//! (aws-reference.md §1.5): `AWSALBTG` for a sticky weighted forward,
//! `AWSALB` for load-balancer-cookie stickiness, `AWSALBAPP-0` for
//! application-cookie stickiness, each with AWS's fixed 7-day `Expires`.
//!
//! The counters and the cookie encodings live in [`super::select`]; this
//! file decides, per request, from the snapshot and the request's cookies.

use http::{HeaderMap, Request, header};
use hyper::body::Incoming;

use super::proxy::ProxyError;
use super::select::{self, Selector};
use crate::services::elbv2::model::Elbv2;
use crate::services::elbv2::model::rules::{WeightedGroup, pick_weighted, total_weight};
use crate::services::elbv2::model::target_group::{Stickiness, TargetKey};
use crate::services::elbv2::service::now_ms;

/// The target chosen for a request, and what the response must carry.
pub struct Chosen {
    /// The group ARN.
    pub tg: String,
    /// The target.
    pub key: TargetKey,
    /// `Set-Cookie` lines to add to the response whatever it is.
    pub cookies: Vec<String>,
    /// Application-cookie stickiness, when the group has it.
    pub app_cookie: Option<AppCookie>,
}

/// The `AWSALBAPP-0` line of application-cookie stickiness, added only
/// once the target sets its own cookie (or when the client already carried
/// a valid `AWSALBAPP-0`).
pub struct AppCookie {
    /// The application cookie's name, whose `Set-Cookie` triggers the line.
    pub name: String,
    /// The whole `AWSALBAPP-0=…` cookie line.
    pub line: String,
    /// The client's `AWSALBAPP-0` chose this target: renew it regardless.
    pub carried: bool,
}

impl Chosen {
    /// The `Set-Cookie` lines for a response whose headers are `response`.
    pub fn cookie_lines(&self, response: &HeaderMap) -> Vec<String> {
        let mut lines = self.cookies.clone();
        if let Some(app) = &self.app_cookie {
            let prefix = format!("{}=", app.name);
            let sets_app_cookie = response
                .get_all(header::SET_COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.trim_start().starts_with(&prefix));
            if sets_app_cookie || app.carried {
                lines.push(app.line.clone());
            }
        }
        lines
    }
}

/// Group (weighted, `AWSALBTG`) then target (`AWSALB`/`AWSALBAPP-0`, else
/// the group's algorithm through `selector`); `tg_sticky` is the forward
/// action's group stickiness duration in seconds.
pub fn pick_target(
    selector: &Selector,
    req: &Request<Incoming>,
    snapshot: &Elbv2,
    groups: &[WeightedGroup],
    tg_sticky: Option<u32>,
) -> Result<Chosen, ProxyError> {
    let now = now_ms();
    let now_s = now / 1000;
    let mut cookies = Vec::new();
    let sticky_group = tg_sticky
        .and_then(|_| select::cookie(req.headers(), "AWSALBTG"))
        .and_then(|v| select::decode_group_cookie(v, now_s))
        .filter(|g| {
            groups
                .iter()
                .any(|w| &w.target_group_arn == g && w.weight > 0)
        });
    let tg_arn = match sticky_group {
        Some(g) => g,
        None => {
            let total = total_weight(groups);
            let roll = if total == 0 {
                0
            } else {
                rand::random_range(0..total)
            };
            pick_weighted(groups, roll)
                .map(|g| g.target_group_arn.clone())
                .ok_or(ProxyError::NoTargets)?
        }
    };
    if let Some(d) = tg_sticky {
        let v = select::encode_group_cookie(&tg_arn, now_s + i64::from(d));
        cookies.extend(cookie_pair("AWSALBTG", &v, now_s));
    }
    let tg = snapshot
        .target_groups
        .get(&tg_arn)
        .ok_or(ProxyError::NoTargets)?;
    let routable = tg.routable(now);
    let sticky = tg.stickiness();
    let from_cookie = match &sticky {
        Some(Stickiness::LbCookie { .. }) => select::cookie(req.headers(), "AWSALB")
            .and_then(|v| select::decode_target_cookie(v, &tg_arn, now_s))
            .filter(|k| routable.iter().any(|(r, _)| *r == k)),
        Some(Stickiness::AppCookie { .. }) => select::cookie(req.headers(), "AWSALBAPP-0")
            .and_then(|v| select::decode_target_cookie(v, &tg_arn, now_s))
            .filter(|k| routable.iter().any(|(r, _)| *r == k)),
        None => None,
    };
    let carried = from_cookie.is_some();
    let key = match from_cookie {
        Some(k) => k,
        None => selector
            .pick(tg, now, rand::random::<f64>())
            .ok_or(ProxyError::NoTargets)?,
    };
    if let Some(Stickiness::LbCookie { duration_s }) = sticky {
        let v = select::encode_target_cookie(&tg_arn, &key, now_s + i64::from(duration_s));
        cookies.extend(cookie_pair("AWSALB", &v, now_s));
    }
    let app_cookie = match sticky {
        Some(Stickiness::AppCookie {
            cookie_name,
            duration_s,
        }) => {
            let v = select::encode_target_cookie(&tg_arn, &key, now_s + i64::from(duration_s));
            Some(AppCookie {
                name: cookie_name,
                line: format!(
                    "AWSALBAPP-0={v}; Expires={}; Path=/",
                    http_date(now_s + 7 * 86400)
                ),
                carried,
            })
        }
        _ => None,
    };
    Ok(Chosen {
        tg: tg_arn,
        key,
        cookies,
        app_cookie,
    })
}

/// `AWSALB`-style cookie pair: the plain one and the `…CORS` one, both with
/// the fixed 7-day `Expires` AWS sets.
fn cookie_pair(name: &str, value: &str, now_s: i64) -> [String; 2] {
    let expires = http_date(now_s + 7 * 86400);
    [
        format!("{name}={value}; Expires={expires}; Path=/"),
        format!("{name}CORS={value}; Expires={expires}; Path=/; SameSite=None; Secure"),
    ]
}

/// An RFC 7231 date (`Tue, 27 Feb 2024 11:21:53 GMT`).
fn http_date(epoch_s: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(epoch_s)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let f = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    t.format(&f).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_lines_look_like_aws() {
        let [a, b] = cookie_pair("AWSALB", "abc", 0);
        assert_eq!(
            a,
            "AWSALB=abc; Expires=Thu, 08 Jan 1970 00:00:00 GMT; Path=/"
        );
        assert!(
            b.starts_with("AWSALBCORS=abc; Expires=") && b.ends_with("; SameSite=None; Secure")
        );
    }

    fn chosen(carried: bool) -> Chosen {
        Chosen {
            tg: "arn:tg".into(),
            key: TargetKey {
                id: "10.0.0.1".into(),
                port: 80,
            },
            cookies: vec!["AWSALBTG=g; Path=/".into()],
            app_cookie: Some(AppCookie {
                name: "session".into(),
                line: "AWSALBAPP-0=t; Path=/".into(),
                carried,
            }),
        }
    }

    #[test]
    fn app_cookie_line_follows_the_targets_cookie() {
        let mut sets_it = HeaderMap::new();
        sets_it.append(header::SET_COOKIE, "other=1".parse().unwrap());
        sets_it.append(header::SET_COOKIE, " session=xyz; Path=/".parse().unwrap());
        let mut sets_other = HeaderMap::new();
        sets_other.append(header::SET_COOKIE, "sessionid=1".parse().unwrap());
        let both = vec![
            "AWSALBTG=g; Path=/".to_string(),
            "AWSALBAPP-0=t; Path=/".to_string(),
        ];
        assert_eq!(chosen(false).cookie_lines(&sets_it), both);
        assert_eq!(chosen(false).cookie_lines(&sets_other), both[..1].to_vec());
        assert_eq!(chosen(true).cookie_lines(&HeaderMap::new()), both);
    }
}
