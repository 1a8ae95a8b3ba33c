//! GetRandomPassword's generator (aws-reference.md §3.5), also used for
//! topology secrets whose value is "a generated password".

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::super::errors::SmError;

/// AWS's punctuation set.
pub const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The options of GetRandomPassword, with AWS's defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordSpec {
    /// PasswordLength (1–4096, default 32).
    pub length: u32,
    /// ExcludeCharacters: never used.
    pub exclude_characters: String,
    /// ExcludeNumbers.
    pub exclude_numbers: bool,
    /// ExcludePunctuation.
    pub exclude_punctuation: bool,
    /// ExcludeUppercase.
    pub exclude_uppercase: bool,
    /// ExcludeLowercase.
    pub exclude_lowercase: bool,
    /// IncludeSpace (default false).
    pub include_space: bool,
    /// RequireEachIncludedType (default true).
    pub require_each_included_type: bool,
}

impl Default for PasswordSpec {
    fn default() -> Self {
        PasswordSpec {
            length: 32,
            exclude_characters: String::new(),
            exclude_numbers: false,
            exclude_punctuation: false,
            exclude_uppercase: false,
            exclude_lowercase: false,
            include_space: false,
            require_each_included_type: true,
        }
    }
}

/// Generates a password per `spec`.
pub fn generate(spec: &PasswordSpec, rng: &mut impl Rng) -> Result<String, SmError> {
    if spec.length < 1 || spec.length > 4096 {
        return Err(SmError::InvalidParameter(
            "The PasswordLength value must be between 1 and 4096 (inclusive).".into(),
        ));
    }
    let keep = |set: &str| -> Vec<char> {
        set.chars()
            .filter(|c| !spec.exclude_characters.contains(*c))
            .collect()
    };
    let mut classes: Vec<Vec<char>> = Vec::new();
    if !spec.exclude_lowercase {
        classes.push(keep("abcdefghijklmnopqrstuvwxyz"));
    }
    if !spec.exclude_uppercase {
        classes.push(keep("ABCDEFGHIJKLMNOPQRSTUVWXYZ"));
    }
    if !spec.exclude_numbers {
        classes.push(keep("0123456789"));
    }
    if !spec.exclude_punctuation {
        classes.push(keep(PUNCTUATION));
    }
    classes.retain(|c| !c.is_empty());
    // IncludeSpace adds the space to the alphabet; it is not one of the
    // types RequireEachIncludedType asks for, which AWS documents as upper
    // case, lower case, a number and punctuation (ADR 0015).
    let mut all: Vec<char> = classes.iter().flatten().copied().collect();
    if spec.include_space {
        all.extend(keep(" "));
    }
    if all.is_empty() {
        return Err(SmError::InvalidParameter(
            "The password can't be generated: every character type is excluded.".into(),
        ));
    }
    let length = spec.length as usize;
    let mut out: Vec<char> = Vec::with_capacity(length);
    if spec.require_each_included_type {
        if classes.len() > length {
            return Err(SmError::PasswordTooShort);
        }
        for class in &classes {
            out.push(class[rng.random_range(0..class.len())]);
        }
    }
    while out.len() < length {
        out.push(all[rng.random_range(0..all.len())]);
    }
    out.shuffle(rng);
    Ok(out.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> PasswordSpec {
        PasswordSpec::default()
    }

    #[test]
    fn defaults_give_32_chars_with_every_type() {
        let mut rng = rand::rng();
        for _ in 0..200 {
            let p = generate(&spec(), &mut rng).unwrap();
            assert_eq!(p.chars().count(), 32);
            assert!(p.chars().any(|c| c.is_ascii_lowercase()));
            assert!(p.chars().any(|c| c.is_ascii_uppercase()));
            assert!(p.chars().any(|c| c.is_ascii_digit()));
            assert!(p.chars().any(|c| PUNCTUATION.contains(c)));
            assert!(!p.contains(' '));
        }
    }

    #[test]
    fn options_table() {
        let mut rng = rand::rng();
        type Check = fn(&str) -> bool;
        let rows: Vec<(PasswordSpec, Check)> = vec![
            (
                PasswordSpec {
                    exclude_numbers: true,
                    ..spec()
                },
                |p| !p.chars().any(|c| c.is_ascii_digit()),
            ),
            (
                PasswordSpec {
                    exclude_punctuation: true,
                    ..spec()
                },
                |p| p.chars().all(|c| c.is_ascii_alphanumeric()),
            ),
            (
                PasswordSpec {
                    exclude_uppercase: true,
                    ..spec()
                },
                |p| !p.chars().any(|c| c.is_ascii_uppercase()),
            ),
            (
                PasswordSpec {
                    exclude_lowercase: true,
                    ..spec()
                },
                |p| !p.chars().any(|c| c.is_ascii_lowercase()),
            ),
            (
                PasswordSpec {
                    include_space: true,
                    ..spec()
                },
                |p| p.chars().all(|c| c == ' ' || c.is_ascii_graphic()),
            ),
            (
                // Four characters, four required types: the space fits
                // only when it is not required.
                PasswordSpec {
                    length: 4,
                    include_space: true,
                    ..spec()
                },
                |p| {
                    p.chars().any(|c| c.is_ascii_lowercase())
                        && p.chars().any(|c| c.is_ascii_uppercase())
                        && p.chars().any(|c| c.is_ascii_digit())
                        && p.chars().any(|c| PUNCTUATION.contains(c))
                },
            ),
            (
                PasswordSpec {
                    exclude_characters: "abcABC123!\"".into(),
                    ..spec()
                },
                |p| !p.chars().any(|c| "abcABC123!\"".contains(c)),
            ),
            (
                PasswordSpec {
                    length: 4096,
                    ..spec()
                },
                |p| p.len() == 4096,
            ),
            (
                PasswordSpec {
                    length: 1,
                    require_each_included_type: false,
                    ..spec()
                },
                |p| p.len() == 1,
            ),
        ];
        for (s, check) in rows {
            for _ in 0..50 {
                let p = generate(&s, &mut rng).unwrap();
                assert!(check(&p), "{s:?} gave {p:?}");
            }
        }
    }

    #[test]
    fn include_space_puts_the_space_in_the_alphabet() {
        let mut rng = rand::rng();
        let long = PasswordSpec {
            length: 200,
            include_space: true,
            ..spec()
        };
        let drawn: Vec<String> = (0..20)
            .map(|_| generate(&long, &mut rng).unwrap())
            .collect();
        assert!(drawn.iter().any(|p| p.contains(' ')), "{drawn:?}");
        let only_space = PasswordSpec {
            length: 5,
            exclude_numbers: true,
            exclude_punctuation: true,
            exclude_uppercase: true,
            exclude_lowercase: true,
            include_space: true,
            ..spec()
        };
        assert_eq!(generate(&only_space, &mut rng).unwrap(), "     ");
    }

    #[test]
    fn errors() {
        let mut rng = rand::rng();
        assert_eq!(
            generate(
                &PasswordSpec {
                    length: 3,
                    ..spec()
                },
                &mut rng
            ),
            Err(SmError::PasswordTooShort)
        );
        assert!(matches!(
            generate(
                &PasswordSpec {
                    length: 0,
                    ..spec()
                },
                &mut rng
            ),
            Err(SmError::InvalidParameter(_))
        ));
        assert!(matches!(
            generate(
                &PasswordSpec {
                    length: 4097,
                    ..spec()
                },
                &mut rng
            ),
            Err(SmError::InvalidParameter(_))
        ));
        let nothing = PasswordSpec {
            exclude_numbers: true,
            exclude_punctuation: true,
            exclude_uppercase: true,
            exclude_lowercase: true,
            ..spec()
        };
        assert!(matches!(
            generate(&nothing, &mut rng),
            Err(SmError::InvalidParameter(_))
        ));
    }
}
