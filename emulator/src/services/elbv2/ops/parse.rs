//! Request parsing shared by the operations: required members, integers,
//! targets, rule conditions and actions in their query-protocol shapes
//! (aws-reference.md §1.1 and §1.3).

use ipnet::IpNet;

use crate::gateway::query::QueryParams;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::rules::{
    Action, Condition, FixedResponseConfig, QueryPair, RedirectConfig, WeightedGroup,
};

/// A query-codec error (bad list indices) as an ELBv2 error.
pub fn codec(e: crate::gateway::AwsError) -> ElbError {
    ElbError::Validation(e.message)
}

/// A required scalar, or the AWS-style "must not be null" ValidationError.
pub fn required<'a>(p: &'a QueryParams, name: &str) -> Result<&'a str, ElbError> {
    p.get(name).ok_or_else(|| {
        ElbError::Validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(name)
        ))
    })
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// An optional integer member.
pub fn int(p: &QueryParams, name: &str) -> Result<Option<i64>, ElbError> {
    p.get(name)
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                ElbError::Validation(format!("'{v}' is not a valid integer for '{name}'"))
            })
        })
        .transpose()
}

/// An optional boolean member.
pub fn boolean(p: &QueryParams, name: &str) -> Result<Option<bool>, ElbError> {
    p.get(name)
        .map(|v| match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(ElbError::Validation(format!(
                "'{v}' is not a valid boolean for '{name}'"
            ))),
        })
        .transpose()
}

/// A list of strings (absent → empty).
pub fn strings(p: &QueryParams, name: &str) -> Result<Vec<String>, ElbError> {
    Ok(p.string_list(name).map_err(codec)?.unwrap_or_default())
}

/// `Attributes.member.N.{Key,Value}` (at least one).
pub fn attributes(p: &QueryParams) -> Result<Vec<(String, String)>, ElbError> {
    let pairs = p
        .members("Attributes")
        .map_err(codec)?
        .unwrap_or_default()
        .iter()
        .map(|a| {
            Ok((
                required(a, "Key")?.to_string(),
                a.get("Value").unwrap_or("").to_string(),
            ))
        })
        .collect::<Result<Vec<_>, ElbError>>()?;
    if pairs.is_empty() {
        required(p, "Attributes")?;
    }
    Ok(pairs)
}

/// `Targets.member.N.{Id,Port}`.
pub fn targets(p: &QueryParams) -> Result<Vec<(String, Option<u16>)>, ElbError> {
    let members = p.members("Targets").map_err(codec)?.unwrap_or_default();
    if members.is_empty() {
        return Err(ElbError::Validation(
            "1 validation error detected: Value null at 'targets' failed to satisfy constraint: Member must not be null".into(),
        ));
    }
    members
        .iter()
        .map(|m| {
            let id = required(m, "Id")?.to_string();
            let port = int(m, "Port")?
                .map(|v| {
                    u16::try_from(v).ok().filter(|p| *p >= 1).ok_or_else(|| {
                        ElbError::Validation(format!(
                            "Target port must be between 1 and 65535, but was {v}"
                        ))
                    })
                })
                .transpose()?;
            Ok((id, port))
        })
        .collect()
}

/// `Conditions.member.N…` (legacy `Values` or the typed `*Config`).
pub fn conditions(p: &QueryParams) -> Result<Option<Vec<Condition>>, ElbError> {
    let Some(members) = p.members("Conditions").map_err(codec)? else {
        return Ok(None);
    };
    members
        .iter()
        .map(condition)
        .collect::<Result<_, _>>()
        .map(Some)
}

fn condition(m: &QueryParams) -> Result<Condition, ElbError> {
    let field = required(m, "Field")?;
    // host-header and path-pattern take the legacy `Values` (one value, as
    // AWS allows there) or the typed config; the other fields need their
    // config, and AWS names the missing one.
    let globs = |cfg: &str| -> Result<Vec<String>, ElbError> {
        if m.contains(&format!("{cfg}.RegexValues")) {
            return Err(ElbError::Validation(
                "RegexValues conditions are not supported by emul".into(),
            ));
        }
        let legacy = strings(m, "Values")?;
        if legacy.len() > 1 {
            return Err(ElbError::Validation(format!(
                "The '{field}' field contains too many values; the limit is '1'"
            )));
        }
        let typed = strings(m, &format!("{cfg}.Values"))?;
        Ok(if typed.is_empty() { legacy } else { typed })
    };
    let config = |cfg: &str| -> Result<QueryParams, ElbError> {
        if m.contains(cfg) {
            Ok(m.sub(cfg))
        } else {
            Err(ElbError::Validation(format!(
                "A '{cfg}' must be specified with '{field}'"
            )))
        }
    };
    Ok(match field {
        "path-pattern" => Condition::PathPattern(globs("PathPatternConfig")?),
        "host-header" => Condition::HostHeader(globs("HostHeaderConfig")?),
        "http-header" => {
            let c = config("HttpHeaderConfig")?;
            Condition::HttpHeader {
                name: required(&c, "HttpHeaderName")?.to_string(),
                values: strings(&c, "Values")?,
            }
        }
        "http-request-method" => {
            Condition::HttpRequestMethod(strings(&config("HttpRequestMethodConfig")?, "Values")?)
        }
        "query-string" => Condition::QueryString(
            config("QueryStringConfig")?
                .members("Values")
                .map_err(codec)?
                .unwrap_or_default()
                .iter()
                .map(|kv| {
                    Ok(QueryPair {
                        key: kv.get("Key").map(str::to_string),
                        value: kv
                            .get("Value")
                            .ok_or_else(|| {
                                ElbError::Validation(
                                    "A 'Value' must be specified in 'QueryStringKeyValuePair'"
                                        .into(),
                                )
                            })?
                            .to_string(),
                    })
                })
                .collect::<Result<_, ElbError>>()?,
        ),
        "source-ip" => Condition::SourceIp(
            strings(&config("SourceIpConfig")?, "Values")?
                .iter()
                .map(|v| {
                    v.parse::<IpNet>().map_err(|_| {
                        ElbError::Validation(format!("'{v}' is not a valid CIDR block"))
                    })
                })
                .collect::<Result<_, _>>()?,
        ),
        other => {
            return Err(ElbError::Validation(format!(
                "Condition field '{other}' must be one of [http-header, http-request-method, host-header, path-pattern, query-string, source-ip]"
            )));
        }
    })
}

/// The action types of the API, in the order AWS's message lists them.
const ACTION_TYPES: &[&str] = &[
    "forward",
    "redirect",
    "fixed-response",
    "authenticate-oidc",
    "authenticate-cognito",
    "jwt-validation",
];

/// `Actions.member.N…`, checked as AWS checks a list: known types, then
/// exactly one terminal action (forward, redirect, fixed-response). A list
/// AWS would take that also authenticates (`authenticate-*`,
/// `jwt-validation`, before the terminal action) is refused as not
/// emulated: emul does not talk to identity providers.
pub fn actions(p: &QueryParams, prefix: &str) -> Result<Option<Action>, ElbError> {
    let Some(members) = p.members(prefix).map_err(codec)? else {
        return Ok(None);
    };
    let mut terminal = Vec::new();
    let mut authenticating = None;
    for m in &members {
        let kind = required(m, "Type")?;
        match kind {
            "forward" | "redirect" | "fixed-response" => terminal.push(m),
            k if ACTION_TYPES.contains(&k) => authenticating = Some(k.to_string()),
            other => {
                return Err(ElbError::Validation(format!(
                    "Action type '{other}' must be one of [forward, redirect, fixed-response, authenticate-oidc, authenticate-cognito]"
                )));
            }
        }
    }
    let [one] = terminal.as_slice() else {
        return Err(ElbError::Validation(
            "A rule must have exactly one forward, redirect or fixed-response action".into(),
        ));
    };
    if let Some(kind) = authenticating {
        return Err(ElbError::InvalidLoadBalancerAction(format!(
            "Action type '{kind}' is not supported by emul"
        )));
    }
    action(one).map(Some)
}

fn action(m: &QueryParams) -> Result<Action, ElbError> {
    let kind = required(m, "Type")?;
    Ok(match kind {
        "forward" => {
            let mut groups: Vec<WeightedGroup> = m
                .members("ForwardConfig.TargetGroups")
                .map_err(codec)?
                .unwrap_or_default()
                .iter()
                .map(|g| {
                    Ok(WeightedGroup {
                        target_group_arn: required(g, "TargetGroupArn")?.to_string(),
                        weight: int(g, "Weight")?.unwrap_or(1).clamp(0, 100_000) as u32,
                    })
                })
                .collect::<Result<_, ElbError>>()?;
            if let Some(arn) = m.get("TargetGroupArn") {
                if groups.len() > 1 || groups.iter().any(|g| g.target_group_arn != arn) {
                    return Err(ElbError::Validation(
                        "You cannot specify both a target group ARN and a forward config with other target groups".into(),
                    ));
                }
                groups = vec![WeightedGroup {
                    target_group_arn: arn.to_string(),
                    weight: 1,
                }];
            }
            let sticky =
                boolean(m, "ForwardConfig.TargetGroupStickinessConfig.Enabled")?.unwrap_or(false);
            let duration = int(
                m,
                "ForwardConfig.TargetGroupStickinessConfig.DurationSeconds",
            )?;
            Action::Forward {
                groups,
                stickiness_seconds: sticky
                    .then(|| duration.unwrap_or(3600).clamp(0, u32::MAX as i64) as u32),
            }
        }
        "redirect" => {
            let get = |k: &str| m.get(&format!("RedirectConfig.{k}")).map(str::to_string);
            let status = match required(m, "RedirectConfig.StatusCode")? {
                "HTTP_301" => 301,
                "HTTP_302" => 302,
                other => {
                    return Err(ElbError::Validation(format!(
                        "Redirect status code must be HTTP_301 or HTTP_302, but was '{other}'"
                    )));
                }
            };
            Action::Redirect(RedirectConfig::with_defaults(
                get("Protocol"),
                get("Port"),
                get("Host"),
                get("Path"),
                get("Query"),
                status,
            ))
        }
        "fixed-response" => {
            let code = required(m, "FixedResponseConfig.StatusCode")?;
            let status = code
                .parse::<u16>()
                .ok()
                .filter(|_| code.len() == 3)
                .ok_or_else(|| {
                    ElbError::Validation(format!(
                        "Fixed response status code must match ^(2|4|5)\\d\\d$, but was '{code}'"
                    ))
                })?;
            Action::FixedResponse(FixedResponseConfig {
                status,
                content_type: m.get("FixedResponseConfig.ContentType").map(str::to_string),
                body: m.get("FixedResponseConfig.MessageBody").map(str::to_string),
            })
        }
        // `actions` passes the terminal action only.
        other => {
            return Err(ElbError::Validation(format!(
                "Action type '{other}' must be one of [forward, redirect, fixed-response, authenticate-oidc, authenticate-cognito]"
            )));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(pairs: &[(&str, &str)]) -> Result<Option<Action>, ElbError> {
        actions(
            &QueryParams::from_pairs(pairs.iter().map(|(k, v)| (*k, *v))),
            "Actions",
        )
    }

    #[test]
    fn action_lists_are_checked_as_aws_checks_them_before_authentication_is_refused() {
        let exactly_one = "A rule must have exactly one forward, redirect or fixed-response action";
        // An authenticate action alone: AWS's error, not emul's "not emulated".
        let e = listed(&[("Actions.member.1.Type", "authenticate-oidc")]).unwrap_err();
        assert_eq!(e.to_string(), exactly_one);
        let e = listed(&[
            ("Actions.member.1.Type", "forward"),
            ("Actions.member.1.TargetGroupArn", "arn:tg"),
            ("Actions.member.2.Type", "redirect"),
        ])
        .unwrap_err();
        assert_eq!(e.to_string(), exactly_one);
        let e = listed(&[("Actions.member.1.Type", "bounce")]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Action type 'bounce' must be one of")
        );
        // What AWS would take, authenticating first: not emulated.
        let e = listed(&[
            ("Actions.member.1.Type", "authenticate-cognito"),
            ("Actions.member.2.Type", "forward"),
            ("Actions.member.2.TargetGroupArn", "arn:tg"),
        ])
        .unwrap_err();
        assert_eq!(e.code(), "InvalidLoadBalancerAction");
        assert!(matches!(
            listed(&[
                ("Actions.member.1.Type", "forward"),
                ("Actions.member.1.TargetGroupArn", "arn:tg"),
            ]),
            Ok(Some(Action::Forward { .. }))
        ));
    }
}
