//! The AWS query protocol codec (`awsQuery`, used by ELBv2).
//!
//! Requests are form-encoded: `Action=Op&Version=…&Names.member.1=a`.
//! [`QueryParams`] holds the decoded pairs and reads structures (`A.B`),
//! 1-based non-flattened lists (`A.member.N`, an empty `A=` meaning an empty
//! list) and maps (`A.entry.N.key/value`). Responses are XML:
//! [`render_success`] wraps a result in `<OpResponse><OpResult>…` with
//! `ResponseMetadata`, [`render_error`] builds `<ErrorResponse>`. The `ec2`
//! protocol reads the same params (its lists are `Name.N`:
//! [`QueryParams::ec2_list`]) and has its own envelopes
//! ([`render_ec2_success`], [`render_ec2_error`]).

use std::collections::BTreeMap;

use super::errors::AwsError;

/// Decoded form parameters, or a sub-tree of them (see [`QueryParams::sub`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    /// Parameter name (relative to this sub-tree) → value. A `BTreeMap` so a
    /// sub-tree is a contiguous key range and iteration is deterministic.
    pairs: BTreeMap<String, String>,
}

impl QueryParams {
    /// Parses an `application/x-www-form-urlencoded` body. A repeated key
    /// keeps its last value.
    pub fn parse(body: &[u8]) -> Self {
        let pairs = form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self { pairs }
    }

    /// Every parameter name, in order (an operation that refuses what it
    /// does not implement looks for names it does not know).
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.pairs.keys()
    }

    /// Builds params from pairs (tests, GET query strings).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    /// The scalar at `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.get(key).map(String::as_str)
    }

    /// `true` when nothing at all is present.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// The structure at `prefix`: every `prefix.rest` key as `rest`.
    pub fn sub(&self, prefix: &str) -> QueryParams {
        let dotted = format!("{prefix}.");
        let pairs = self
            .pairs
            .range(dotted.clone()..)
            .take_while(|(k, _)| k.starts_with(&dotted))
            .map(|(k, v)| (k[dotted.len()..].to_string(), v.clone()))
            .collect();
        QueryParams { pairs }
    }

    /// `true` when `prefix` is present either as a scalar or a structure.
    pub fn contains(&self, prefix: &str) -> bool {
        self.pairs.contains_key(prefix) || !self.sub(prefix).is_empty()
    }

    /// The members of the list at `prefix` (`prefix.member.N…`), in index
    /// order, each as a sub-tree whose scalar value (if any) is under `""`.
    ///
    /// Fails with `ValidationError` naming the parameter when indices are not
    /// positive integers or have gaps (AWS's lists are dense and 1-based).
    pub fn members(&self, prefix: &str) -> Result<Option<Vec<QueryParams>>, AwsError> {
        let members = self.sub(&format!("{prefix}.member"));
        if members.is_empty() {
            // `Prefix=` with an empty value is an explicitly empty list.
            return Ok(self.pairs.contains_key(prefix).then(Vec::new));
        }
        let by_index = members.by_index(|index, key| {
            AwsError::client(
                "ValidationError",
                format!("Invalid list index '{index}' in parameter '{prefix}.member.{key}'"),
            )
        })?;
        for (expected, n) in (1..).zip(by_index.keys()) {
            if *n != expected {
                return Err(AwsError::client(
                    "ValidationError",
                    format!("List parameter '{prefix}' is missing member {expected}"),
                ));
            }
        }
        Ok(Some(by_index.into_values().collect()))
    }

    /// The members of an `ec2`-protocol list at `prefix` (`prefix.N…`, no
    /// `member`), in index order, each as a sub-tree whose scalar value (if
    /// any) is under `""`; empty when absent. Indices need not be dense
    /// (EC2 accepts `Filter.1` and `Filter.3`).
    pub fn ec2_list(&self, prefix: &str) -> Result<Vec<QueryParams>, AwsError> {
        let by_index = self.sub(prefix).by_index(|index, key| {
            AwsError::client(
                "InvalidParameterValue",
                format!("Invalid list index '{index}' in parameter '{prefix}.{key}'"),
            )
        })?;
        Ok(by_index.into_values().collect())
    }

    /// This sub-tree's keys grouped by their first segment, a 1-based list
    /// index (`3.Name` → member 3, key `Name`; `3` → member 3, key `""`);
    /// `bad(index, key)` is the error for an index that is not one.
    fn by_index(
        &self,
        bad: impl Fn(&str, &str) -> AwsError,
    ) -> Result<BTreeMap<usize, QueryParams>, AwsError> {
        let mut by_index: BTreeMap<usize, QueryParams> = BTreeMap::new();
        for (key, value) in &self.pairs {
            let (index, rest) = key.split_once('.').unwrap_or((key.as_str(), ""));
            let n: usize = index
                .parse()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| bad(index, key))?;
            by_index
                .entry(n)
                .or_default()
                .pairs
                .insert(rest.to_string(), value.clone());
        }
        Ok(by_index)
    }

    /// An `ec2`-protocol list of scalars (`VpcId.1=vpc-1`).
    pub fn ec2_strings(&self, prefix: &str) -> Result<Vec<String>, AwsError> {
        Ok(self
            .ec2_list(prefix)?
            .into_iter()
            .map(|m| m.get("").unwrap_or_default().to_string())
            .collect())
    }

    /// A list of scalars (`Names.member.1=a`); `None` when absent.
    pub fn string_list(&self, prefix: &str) -> Result<Option<Vec<String>>, AwsError> {
        Ok(self.members(prefix)?.map(|items| {
            items
                .into_iter()
                .map(|m| m.get("").unwrap_or_default().to_string())
                .collect()
        }))
    }

    /// A map (`Tags.entry.N.key` / `.value`) as ordered pairs.
    pub fn map(&self, prefix: &str) -> Result<Vec<(String, String)>, AwsError> {
        let entries = self.sub(&format!("{prefix}.entry"));
        let mut by_index: BTreeMap<usize, (Option<String>, Option<String>)> = BTreeMap::new();
        for (key, value) in &entries.pairs {
            let Some((index, field)) = key.split_once('.') else {
                continue;
            };
            let n: usize = index.parse().map_err(|_| {
                AwsError::client(
                    "ValidationError",
                    format!("Invalid map index '{index}' in parameter '{prefix}'"),
                )
            })?;
            let slot = by_index.entry(n).or_default();
            match field {
                "key" => slot.0 = Some(value.clone()),
                "value" => slot.1 = Some(value.clone()),
                _ => {}
            }
        }
        by_index
            .into_iter()
            .map(|(n, (k, v))| match k {
                Some(k) => Ok((k, v.unwrap_or_default())),
                None => Err(AwsError::client(
                    "ValidationError",
                    format!("Map parameter '{prefix}' entry {n} has no key"),
                )),
            })
            .collect()
    }
}

/// The generic JSON view of form parameters, for services that also take
/// JSON (awsQuery-compatible ones, see `Protocol::RpcV2Cbor`): keys split
/// on `.` into objects, a node whose only child is `member` becomes an
/// array in index order, scalars stay strings (the service reads numbers,
/// booleans and timestamps from strings too), and `A=` with an empty value
/// is `""` (an empty list where the service expects one).
pub fn params_to_json(params: &QueryParams) -> serde_json::Value {
    #[derive(Default)]
    struct Node {
        value: Option<String>,
        children: BTreeMap<String, Node>,
    }
    fn to_value(node: Node) -> serde_json::Value {
        if node.children.is_empty() {
            return serde_json::Value::String(node.value.unwrap_or_default());
        }
        let mut children = node.children;
        if children.len() == 1
            && let Some(members) = children.remove("member")
        {
            let mut items: Vec<(usize, Node)> = members
                .children
                .into_iter()
                .filter_map(|(k, v)| k.parse::<usize>().ok().map(|i| (i, v)))
                .collect();
            items.sort_by_key(|(i, _)| *i);
            return serde_json::Value::Array(items.into_iter().map(|(_, n)| to_value(n)).collect());
        }
        serde_json::Value::Object(
            children
                .into_iter()
                .map(|(k, v)| (k, to_value(v)))
                .collect(),
        )
    }
    let mut root = Node::default();
    for (key, value) in &params.pairs {
        let mut node = &mut root;
        for part in key.split('.') {
            node = node.children.entry(part.to_string()).or_default();
        }
        node.value = Some(value.clone());
    }
    match to_value(root) {
        v @ serde_json::Value::Object(_) => v,
        _ => serde_json::Value::Object(Default::default()),
    }
}

/// Writes a JSON output object as awsQuery XML: members in order, objects as
/// nested elements, arrays as `<member>` lists, members named in `maps` as
/// `<entry><key>…</key><value>…</value></entry>` lists, members named in
/// `timestamps` (epoch seconds) as ISO-8601, `null` members left out.
pub fn json_to_xml(
    w: &mut XmlWriter,
    object: &serde_json::Map<String, serde_json::Value>,
    timestamps: &[&str],
    maps: &[&str],
) {
    fn scalar(value: &serde_json::Value, timestamp: bool) -> String {
        match value {
            serde_json::Value::Number(n) if timestamp => {
                iso8601((n.as_f64().unwrap_or(0.0) * 1000.0).round() as i64)
            }
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() => format!("{f:?}"),
                _ => n.to_string(),
            },
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    }
    fn element(
        w: &mut XmlWriter,
        name: &str,
        value: &serde_json::Value,
        kind: (bool, bool),
        shapes: (&[&str], &[&str]),
    ) {
        let (ts, is_map) = kind;
        match value {
            serde_json::Value::Null => {}
            serde_json::Value::Object(map) if is_map => {
                w.node(name, |c| {
                    for (k, v) in map {
                        c.node("entry", |e| {
                            e.leaf("key", k);
                            element(e, "value", v, (false, false), shapes);
                        });
                    }
                });
            }
            serde_json::Value::Object(map) => {
                w.node(name, |c| json_to_xml(c, map, shapes.0, shapes.1));
            }
            serde_json::Value::Array(items) => {
                w.node(name, |c| {
                    for item in items {
                        element(c, "member", item, kind, shapes);
                    }
                });
            }
            other => {
                w.leaf(name, &scalar(other, ts));
            }
        }
    }
    for (name, value) in object {
        let kind = (
            timestamps.contains(&name.as_str()),
            maps.contains(&name.as_str()),
        );
        element(w, name, value, kind, (timestamps, maps));
    }
}

/// Escapes text for XML element content and attribute values.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A small XML builder for `<{Op}Result>` bodies: elements, escaped text,
/// and `<member>` lists.
#[derive(Debug, Default)]
pub struct XmlWriter {
    /// The XML produced so far.
    out: String,
}

impl XmlWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<name>text</name>` with the text escaped.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Self {
        self.out
            .push_str(&format!("<{name}>{}</{name}>", xml_escape(text)));
        self
    }

    /// `<name>` … `</name>` around what `inner` writes; `<name/>` if nothing.
    pub fn node(&mut self, name: &str, inner: impl FnOnce(&mut XmlWriter)) -> &mut Self {
        let mut child = XmlWriter::new();
        inner(&mut child);
        if child.out.is_empty() {
            self.out.push_str(&format!("<{name}/>"));
        } else {
            self.out
                .push_str(&format!("<{name}>{}</{name}>", child.out));
        }
        self
    }

    /// `<name><member>…</member>…</name>`, `<name/>` when empty.
    pub fn list<T>(
        &mut self,
        name: &str,
        items: &[T],
        mut each: impl FnMut(&mut XmlWriter, &T),
    ) -> &mut Self {
        self.node(name, |w| {
            for item in items {
                w.node("member", |m| each(m, item));
            }
        })
    }

    /// The XML written.
    pub fn finish(self) -> String {
        self.out
    }
}

/// An ISO-8601 UTC timestamp with milliseconds (`2016-03-25T16:20:14.880Z`),
/// as query services render timestamps (e.g. ELBv2 `CreatedTime`).
pub fn iso8601(epoch_ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(epoch_ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    t.format(&format).unwrap_or_default()
}

/// The success envelope: `<OpResponse xmlns><OpResult>inner</OpResult>
/// <ResponseMetadata><RequestId>…` (the result element exists even when empty).
pub fn render_success(
    operation: &str,
    xml_namespace: &str,
    result_inner: &str,
    request_id: &str,
) -> String {
    let result = if result_inner.is_empty() {
        format!("<{operation}Result/>")
    } else {
        format!("<{operation}Result>{result_inner}</{operation}Result>")
    };
    format!(
        "<{operation}Response xmlns=\"{ns}\">{result}<ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata></{operation}Response>",
        ns = xml_escape(xml_namespace),
        rid = xml_escape(request_id),
    )
}

/// The error envelope AWS query services send.
pub fn render_error(err: &AwsError, xml_namespace: &str, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{ns}\"><Error><Type>{ty}</Type><Code>{code}</Code><Message>{msg}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>",
        ns = xml_escape(xml_namespace),
        ty = if err.sender_fault {
            "Sender"
        } else {
            "Receiver"
        },
        code = xml_escape(&err.code),
        msg = xml_escape(&err.message),
        rid = xml_escape(request_id),
    )
}

/// The `ec2` protocol's success envelope: `<OpResponse xmlns><requestId>…
/// </requestId>inner</OpResponse>`, no result wrapper.
pub fn render_ec2_success(
    operation: &str,
    xml_namespace: &str,
    inner: &str,
    request_id: &str,
) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{operation}Response xmlns=\"{ns}\"><requestId>{rid}</requestId>{inner}</{operation}Response>",
        ns = xml_escape(xml_namespace),
        rid = xml_escape(request_id),
    )
}

/// The `ec2` protocol's error envelope: `<Response><Errors><Error><Code>
/// <Message></Error></Errors><RequestID>`.
pub fn render_ec2_error(err: &AwsError, request_id: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{msg}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>",
        code = xml_escape(&err.code),
        msg = xml_escape(&err.message),
        rid = xml_escape(request_id),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_become_a_json_tree() {
        let p = QueryParams::from_pairs([
            ("Action", "PutMetricData"),
            ("Namespace", "App"),
            ("MetricData.member.2.MetricName", "B"),
            ("MetricData.member.1.MetricName", "A"),
            ("MetricData.member.1.Value", "1.5"),
            ("MetricData.member.1.Dimensions.member.1.Name", "Host"),
            ("MetricData.member.1.Dimensions.member.1.Value", "h1"),
            ("AlarmNames", ""),
        ]);
        assert_eq!(
            params_to_json(&p),
            serde_json::json!({
                "Action": "PutMetricData", "Namespace": "App", "AlarmNames": "",
                "MetricData": [
                    {"MetricName": "A", "Value": "1.5", "Dimensions": [{"Name": "Host", "Value": "h1"}]},
                    {"MetricName": "B"}
                ]
            })
        );
    }

    #[test]
    fn json_outputs_render_as_query_xml() {
        let out = serde_json::json!({
            "Label": "CPU",
            "Datapoints": [{"Timestamp": 1_700_000_000, "Sum": 3.0, "Unit": "Percent", "ExtendedStatistics": {"p99": 2.5}}],
            "Empty": [],
            "Gone": null,
            "Flag": true
        });
        let mut w = XmlWriter::new();
        json_to_xml(
            &mut w,
            out.as_object().unwrap(),
            &["Timestamp"],
            &["ExtendedStatistics"],
        );
        assert_eq!(
            w.finish(),
            "<Datapoints><member><ExtendedStatistics><entry><key>p99</key><value>2.5</value></entry></ExtendedStatistics><Sum>3.0</Sum><Timestamp>2023-11-14T22:13:20.000Z</Timestamp><Unit>Percent</Unit></member></Datapoints>\
             <Empty/><Flag>true</Flag><Label>CPU</Label>"
        );
    }

    #[test]
    fn parses_scalars_and_percent_encoding() {
        let q =
            QueryParams::parse(b"Action=DescribeRules&Version=2015-12-01&Path=%2Fimg%2F*&Sp=a+b");
        assert_eq!(q.get("Action"), Some("DescribeRules"));
        assert_eq!(q.get("Version"), Some("2015-12-01"));
        assert_eq!(q.get("Path"), Some("/img/*"));
        assert_eq!(q.get("Sp"), Some("a b"));
        assert_eq!(q.get("Missing"), None);
    }

    #[test]
    fn string_lists_are_ordered_by_index_not_by_text() {
        let q = QueryParams::parse(
            b"Names.member.10=j&Names.member.2=b&Names.member.1=a&Names.member.3=c&Names.member.4=d&Names.member.5=e&Names.member.6=f&Names.member.7=g&Names.member.8=h&Names.member.9=i",
        );
        let names = q.string_list("Names").unwrap().unwrap();
        assert_eq!(
            names,
            vec!["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"]
        );
    }

    #[test]
    fn empty_list_is_sent_as_bare_prefix() {
        let q = QueryParams::parse(b"Action=X&SecurityGroups=");
        assert_eq!(q.string_list("SecurityGroups").unwrap(), Some(vec![]));
        assert_eq!(q.string_list("Subnets").unwrap(), None);
    }

    #[test]
    fn lists_of_structs_and_nested_lists() {
        let q = QueryParams::parse(
            b"Conditions.member.1.Field=path-pattern&Conditions.member.1.PathPatternConfig.Values.member.1=%2Fimg%2F*&Conditions.member.1.PathPatternConfig.Values.member.2=%2Fa&Conditions.member.2.Field=host-header&Targets.member.1.Id=10.0.1.5&Targets.member.1.Port=8080",
        );
        let conds = q.members("Conditions").unwrap().unwrap();
        assert_eq!(conds.len(), 2);
        assert_eq!(conds[0].get("Field"), Some("path-pattern"));
        let values = conds[0]
            .sub("PathPatternConfig")
            .string_list("Values")
            .unwrap()
            .unwrap();
        assert_eq!(values, vec!["/img/*", "/a"]);
        assert_eq!(conds[1].get("Field"), Some("host-header"));
        let targets = q.members("Targets").unwrap().unwrap();
        assert_eq!(targets[0].get("Id"), Some("10.0.1.5"));
        assert_eq!(targets[0].get("Port"), Some("8080"));
    }

    #[test]
    fn structures_are_dotted() {
        let q = QueryParams::parse(b"Matcher.HttpCode=200&MatcherX=1");
        assert_eq!(q.sub("Matcher").get("HttpCode"), Some("200"));
        assert!(q.contains("Matcher"));
        assert_eq!(
            q.sub("Matcher").pairs.len(),
            1,
            "MatcherX is not part of Matcher"
        );
    }

    #[test]
    fn list_gaps_and_bad_indices_are_validation_errors() {
        let q = QueryParams::parse(b"Names.member.1=a&Names.member.3=c");
        let err = q.string_list("Names").unwrap_err();
        assert_eq!(err.code, "ValidationError");
        assert!(
            err.message.contains("'Names' is missing member 2"),
            "{}",
            err.message
        );
        let q = QueryParams::parse(b"Names.member.0=a");
        assert_eq!(q.string_list("Names").unwrap_err().code, "ValidationError");
        let q = QueryParams::parse(b"Names.member.x=a");
        assert!(q.string_list("Names").unwrap_err().message.contains("'x'"));
    }

    #[test]
    fn timestamps_are_iso8601_utc() {
        assert_eq!(iso8601(1_458_922_814_880), "2016-03-25T16:20:14.880Z");
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn maps_use_entry_key_value() {
        let q = QueryParams::parse(
            b"Tags.entry.1.key=env&Tags.entry.1.value=prod&Tags.entry.2.key=team",
        );
        assert_eq!(
            q.map("Tags").unwrap(),
            vec![
                ("env".to_string(), "prod".to_string()),
                ("team".to_string(), String::new())
            ]
        );
        let q = QueryParams::parse(b"Tags.entry.1.value=prod");
        assert_eq!(q.map("Tags").unwrap_err().code, "ValidationError");
    }

    #[test]
    fn success_envelope_matches_aws_shape() {
        let mut w = XmlWriter::new();
        w.list("TargetHealthDescriptions", &["i-1", "i-<2>"], |m, id| {
            m.node("Target", |t| {
                t.leaf("Id", id);
            });
        });
        let xml = render_success(
            "DescribeTargetHealth",
            "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
            &w.finish(),
            "rid-1",
        );
        assert_eq!(
            xml,
            "<DescribeTargetHealthResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\">\
             <DescribeTargetHealthResult><TargetHealthDescriptions><member><Target><Id>i-1</Id></Target></member>\
             <member><Target><Id>i-&lt;2&gt;</Id></Target></member></TargetHealthDescriptions></DescribeTargetHealthResult>\
             <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata></DescribeTargetHealthResponse>"
        );
    }

    #[test]
    fn empty_result_and_empty_list_are_self_closing() {
        let xml = render_success("RegisterTargets", "ns", "", "r");
        assert!(xml.contains("<RegisterTargetsResult/>"), "{xml}");
        let mut w = XmlWriter::new();
        w.list::<&str>("Rules", &[], |_, _| {});
        assert_eq!(w.finish(), "<Rules/>");
    }

    #[test]
    fn error_envelope_matches_aws_shape() {
        let err = AwsError::client("ValidationError", "'x' is not a valid load balancer ARN");
        let xml = render_error(
            &err,
            "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
            "r-9",
        );
        assert_eq!(
            xml,
            "<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type>\
             <Code>ValidationError</Code><Message>&apos;x&apos; is not a valid load balancer ARN</Message></Error>\
             <RequestId>r-9</RequestId></ErrorResponse>"
        );
        let xml = render_error(&AwsError::server("HealthUnavailable", "x"), "ns", "r");
        assert!(xml.contains("<Type>Receiver</Type>"));
    }

    /// A query writer for the property test: lists of structs with a scalar
    /// and a nested list, percent-encoded like an SDK would.
    fn encode(items: &[(String, Vec<String>)]) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.append_pair("Action", "X");
        if items.is_empty() {
            out.append_pair("Items", "");
        }
        for (i, (name, values)) in items.iter().enumerate() {
            out.append_pair(&format!("Items.member.{}.Name", i + 1), name);
            if values.is_empty() {
                out.append_pair(&format!("Items.member.{}.Values", i + 1), "");
            }
            for (j, v) in values.iter().enumerate() {
                out.append_pair(
                    &format!("Items.member.{}.Values.member.{}", i + 1, j + 1),
                    v,
                );
            }
        }
        out.finish()
    }

    proptest::proptest! {
        #[test]
        fn member_lists_round_trip(items in proptest::collection::vec(
            (".{0,12}", proptest::collection::vec(".{0,8}", 0..12)),
            0..12,
        )) {
            let q = QueryParams::parse(encode(&items).as_bytes());
            let members = q.members("Items").unwrap().unwrap();
            proptest::prop_assert_eq!(members.len(), items.len());
            for (m, (name, values)) in members.iter().zip(&items) {
                proptest::prop_assert_eq!(m.get("Name").unwrap_or_default(), name.as_str());
                proptest::prop_assert_eq!(&m.string_list("Values").unwrap().unwrap(), values);
            }
        }
    }
}
