//! Every ELBv2 error emul returns, with AWS's wire code (the shape's
//! `error.code`, not its name) and message (aws-reference.md §1.1). All are
//! client faults (HTTP 400, `<Type>Sender</Type>`).

use crate::gateway::AwsError;

/// An ELBv2 failure, named after its wire code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElbError {
    /// `ValidationError`: a malformed or out-of-range parameter.
    #[error("{0}")]
    Validation(String),
    /// `LoadBalancerNotFound`.
    #[error("{0}")]
    LoadBalancerNotFound(String),
    /// `ListenerNotFound`.
    #[error("{0}")]
    ListenerNotFound(String),
    /// `RuleNotFound`.
    #[error("{0}")]
    RuleNotFound(String),
    /// `TargetGroupNotFound`.
    #[error("{0}")]
    TargetGroupNotFound(String),
    /// `PriorityInUse`.
    #[error("{0}")]
    PriorityInUse(String),
    /// `OperationNotPermitted` (e.g. touching the default rule).
    #[error("{0}")]
    OperationNotPermitted(String),
    /// `InvalidTarget`.
    #[error("{0}")]
    InvalidTarget(String),
    /// `InvalidConfigurationRequest`.
    #[error("{0}")]
    InvalidConfigurationRequest(String),
    /// `InvalidLoadBalancerAction`.
    #[error("{0}")]
    InvalidLoadBalancerAction(String),
    /// `TooManyRules`.
    #[error("{0}")]
    TooManyRules(String),
    /// `TooManyTargets`.
    #[error("{0}")]
    TooManyTargets(String),
    /// `TooManyActions`.
    #[error("{0}")]
    TooManyActions(String),
    /// `TooManyTargetGroups`.
    #[error("{0}")]
    TooManyTargetGroups(String),
    /// `DuplicateTargetGroupName`.
    #[error("{0}")]
    DuplicateTargetGroupName(String),
    /// `DuplicateLoadBalancerName`.
    #[error("{0}")]
    DuplicateLoadBalancerName(String),
    /// `DuplicateListener`.
    #[error("{0}")]
    DuplicateListener(String),
    /// `ResourceInUse`.
    #[error("{0}")]
    ResourceInUse(String),
    /// `IncompatibleProtocols`.
    #[error("{0}")]
    IncompatibleProtocols(String),
    /// `TooManyTags`.
    #[error("{0}")]
    TooManyTags(String),
    /// `DuplicateTagKeys`.
    #[error("{0}")]
    DuplicateTagKeys(String),
    /// `InvalidSecurityGroup`.
    #[error("{0}")]
    InvalidSecurityGroup(String),
    /// `SSLPolicyNotFound`.
    #[error("{0}")]
    SslPolicyNotFound(String),
    /// `TooManyCertificates`.
    #[error("{0}")]
    TooManyCertificates(String),
    /// `SubnetNotFound`.
    #[error("{0}")]
    SubnetNotFound(String),
    /// `CertificateNotFound`: `Certificate '<arn>' not found`.
    #[error("Certificate '{0}' not found")]
    CertificateNotFound(String),
}

impl ElbError {
    /// The wire code.
    pub fn code(&self) -> &'static str {
        match self {
            ElbError::Validation(_) => "ValidationError",
            ElbError::LoadBalancerNotFound(_) => "LoadBalancerNotFound",
            ElbError::ListenerNotFound(_) => "ListenerNotFound",
            ElbError::RuleNotFound(_) => "RuleNotFound",
            ElbError::TargetGroupNotFound(_) => "TargetGroupNotFound",
            ElbError::PriorityInUse(_) => "PriorityInUse",
            ElbError::OperationNotPermitted(_) => "OperationNotPermitted",
            ElbError::InvalidTarget(_) => "InvalidTarget",
            ElbError::InvalidConfigurationRequest(_) => "InvalidConfigurationRequest",
            ElbError::InvalidLoadBalancerAction(_) => "InvalidLoadBalancerAction",
            ElbError::TooManyRules(_) => "TooManyRules",
            ElbError::TooManyTargets(_) => "TooManyTargets",
            ElbError::TooManyActions(_) => "TooManyActions",
            ElbError::TooManyTargetGroups(_) => "TooManyTargetGroups",
            ElbError::DuplicateTargetGroupName(_) => "DuplicateTargetGroupName",
            ElbError::DuplicateLoadBalancerName(_) => "DuplicateLoadBalancerName",
            ElbError::DuplicateListener(_) => "DuplicateListener",
            ElbError::ResourceInUse(_) => "ResourceInUse",
            ElbError::IncompatibleProtocols(_) => "IncompatibleProtocols",
            ElbError::TooManyTags(_) => "TooManyTags",
            ElbError::DuplicateTagKeys(_) => "DuplicateTagKeys",
            ElbError::InvalidSecurityGroup(_) => "InvalidSecurityGroup",
            ElbError::SslPolicyNotFound(_) => "SSLPolicyNotFound",
            ElbError::TooManyCertificates(_) => "TooManyCertificates",
            ElbError::CertificateNotFound(_) => "CertificateNotFound",
            ElbError::SubnetNotFound(_) => "SubnetNotFound",
        }
    }

    /// `One or more target groups not found`.
    pub fn target_groups_not_found() -> Self {
        ElbError::TargetGroupNotFound("One or more target groups not found".into())
    }

    /// `One or more rules not found`.
    pub fn rules_not_found() -> Self {
        ElbError::RuleNotFound("One or more rules not found".into())
    }

    /// `One or more listeners not found`.
    pub fn listeners_not_found() -> Self {
        ElbError::ListenerNotFound("One or more listeners not found".into())
    }

    /// `Load balancer '<arn>' not found`.
    pub fn load_balancer_not_found(arn: &str) -> Self {
        ElbError::LoadBalancerNotFound(format!("Load balancer '{arn}' not found"))
    }
}

impl From<ElbError> for AwsError {
    fn from(e: ElbError) -> Self {
        AwsError::client(e.code(), e.to_string())
    }
}
