//! The catalogue of problem and warning codes. Every code kpichain reports — through Rust,
//! Python, Node or the CLI — is a variant here; the README's code table and the JSON Schema
//! enum are made from this list.

use std::fmt;
use std::str::FromStr;

macro_rules! codes {
    ($( #[doc = $doc:literal] $variant:ident = $text:literal, $stage:literal ; )*) => {
        /// A stable, machine-readable code naming a kind of problem or warning.
        ///
        /// Serialized in snake_case (`weights_do_not_sum`). New codes may be added in any
        /// release, so match with a wildcard arm. [`Code::ALL`] lists the catalogue,
        /// [`Code::stage`] says where a code can arise and [`Code::description`] what it means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( #[doc = $doc] $variant, )*
        }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as written in JSON and messages, e.g. `weights_do_not_sum`.
            pub const fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $text, )* }
            }

            /// Where the code arises: `plan`, `input`, `records`, `evaluation`, `warning` or
            /// `host` (reading files and data frames, and the language bindings).
            pub const fn stage(self) -> &'static str {
                match self { $( Code::$variant => $stage, )* }
            }

            /// One sentence saying what the code means (the doc comment of the variant).
            pub fn description(self) -> &'static str {
                match self { $( Code::$variant => $doc.trim_ascii(), )* }
            }
        }

        impl FromStr for Code {
            type Err = UnknownCode;
            fn from_str(text: &str) -> Result<Code, UnknownCode> {
                match text {
                    $( $text => Ok(Code::$variant), )*
                    _ => Err(UnknownCode),
                }
            }
        }
    };
}

/// A text that is not a code of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("not a kpichain code")]
pub struct UnknownCode;

codes! {
    // ---- plan: reading the document --------------------------------------------------
    /// A document or input file that is not JSON, TOML or CSV at all (fields, types and numbers have their own codes).
    ParseError = "parse_error", "plan";
    /// A field that the format does not know (a misspelling, or a field of another rule type).
    UnknownField = "unknown_field", "plan";
    /// A name that is not one of the allowed ones (a rule `type`, a `direction`, a mode).
    UnknownVariant = "unknown_variant", "plan";
    /// A field the format requires is absent.
    MissingField = "missing_field", "plan";
    /// A required text field is empty.
    EmptyField = "empty_field", "plan";
    /// Two entries of a list share an id that must be unique.
    DuplicateId = "duplicate_id", "plan";
    /// An id that is not a plain name (letters, digits and `_`, starting with a letter or `_`).
    InvalidId = "invalid_id", "plan";
    /// A rounding scale outside 0–28.
    InvalidScale = "invalid_scale", "plan";
    // ---- plan: scorecards --------------------------------------------------------------
    /// An item names an indicator that is not in the plan's indicator library.
    UnknownIndicator = "unknown_indicator", "plan";
    /// A weight that is zero or negative.
    InvalidWeight = "invalid_weight", "plan";
    /// A scorecard's weights do not sum to exactly 100.
    WeightsDoNotSum = "weights_do_not_sum", "plan";
    /// A role with no item.
    EmptyScorecard = "empty_scorecard", "plan";
    /// Threshold, target and stretch are not in the order the indicator's direction needs.
    TargetsOutOfOrder = "targets_out_of_order", "plan";
    /// A rule needs the item's `target`, and it has none.
    MissingTarget = "missing_target", "plan";
    /// A rule needs the item's `threshold`, and it has none.
    MissingThreshold = "missing_threshold", "plan";
    /// A formula reads the item's `stretch`, and it has none.
    MissingStretch = "missing_stretch", "plan";
    /// Floor, target and stretch scores do not rise.
    ScoresOutOfOrder = "scores_out_of_order", "plan";
    /// Lower and upper bounds of a rule or a cap are the wrong way round.
    BoundsOutOfOrder = "bounds_out_of_order", "plan";
    /// A lower-is-better ratio rule without a `cap`.
    RatioCapRequired = "ratio_cap_required", "plan";
    /// A band or lookup-table row that contains no value.
    BandEmpty = "band_empty", "plan";
    /// Bands that leave values without a score.
    BandsGap = "bands_gap", "plan";
    /// Bands that give two scores to one value.
    BandsOverlap = "bands_overlap", "plan";
    /// A band list or lookup table with no row.
    EmptyTable = "empty_table", "plan";
    /// A per-unit step that is zero or negative.
    InvalidStep = "invalid_step", "plan";
    /// Points per unit or per occurrence that have the wrong sign.
    InvalidPoints = "invalid_points", "plan";
    /// A formula that does not parse or names an unknown value.
    FormulaInvalid = "formula_invalid", "plan";
    /// Formula items that read each other's scores in a circle.
    FormulaCycle = "formula_cycle", "plan";
    /// A veto that neither sets the total nor forces a grade.
    VetoWithoutEffect = "veto_without_effect", "plan";
    // ---- plan: grades --------------------------------------------------------------------
    /// A plan with no grade.
    EmptyGrades = "empty_grades", "plan";
    /// Two grades with the same minimum total.
    DuplicateGradeMin = "duplicate_grade_min", "plan";
    /// More than one grade without a minimum (catch-all).
    DuplicateCatchAllGrade = "duplicate_catch_all_grade", "plan";
    /// Totals the scorecards can reach that no grade covers.
    GradesDoNotCover = "grades_do_not_cover", "plan";
    /// A grade coefficient that is negative.
    InvalidCoefficient = "invalid_coefficient", "plan";
    /// A veto or input forces a grade the plan does not have.
    UnknownGrade = "unknown_grade", "plan";
    // ---- plan: the full chain ------------------------------------------------------------
    /// A source that reads nothing usable (a whole role read by another, or no value named).
    InvalidSource = "invalid_source", "plan";
    /// A name of a role that the plan does not have.
    UnknownRole = "unknown_role", "plan";
    /// A name of an item that the scorecard does not have.
    UnknownItem = "unknown_item", "plan";
    /// Roles that read each other's results in a circle.
    LinkageCycle = "linkage_cycle", "plan";
    /// Two variants of a role with the same region or unit.
    DuplicateVariant = "duplicate_variant", "plan";
    /// A variant with both a region and a unit.
    VariantWithTwoSelectors = "variant_with_two_selectors", "plan";
    /// A variant with neither a region nor a unit.
    VariantWithoutSelector = "variant_without_selector", "plan";
    /// A plan that reads records but declares no `time_zone`.
    MissingTimeZone = "missing_time_zone", "plan";
    /// Two record sets with the same name.
    DuplicateRecordSet = "duplicate_record_set", "plan";
    /// Two fields of a record set, or two columns of an input file's header, with the same name.
    DuplicateField = "duplicate_field", "plan";
    /// A record field name that is not a plain name.
    BadFieldName = "bad_field_name", "plan";
    /// Two measures for one indicator.
    DuplicateMeasure = "duplicate_measure", "plan";
    /// A measure reads a record set the plan does not declare.
    UnknownRecordSet = "unknown_record_set", "plan";
    /// A measure reads a record field that the record set does not declare.
    UnknownColumn = "unknown_column", "plan";
    /// A measure uses a field of the wrong kind (a text where a number is needed).
    WrongFieldKind = "wrong_field_kind", "plan";
    /// A measure condition that cannot be evaluated.
    BadCondition = "bad_condition", "plan";
    /// A measure condition with nothing to test.
    EmptyCondition = "empty_condition", "plan";
    /// A measure's scale outside 0–28.
    BadScale = "bad_scale", "plan";
    // ---- versions ------------------------------------------------------------------------
    /// A versions document without a version.
    NoVersions = "no_versions", "plan";
    /// Versions whose effective dates do not rise.
    VersionsOutOfOrder = "versions_out_of_order", "plan";
    /// Two versions with the same `version` name.
    DuplicateVersion = "duplicate_version", "plan";
    /// A date that is not `YYYY-MM-DD`.
    InvalidDate = "invalid_date", "plan";
    /// A version's plan file could not be read.
    UnreadablePlanFile = "unreadable_plan_file", "host";
    /// A plan text or file that is neither JSON nor TOML.
    UnknownFormat = "unknown_format", "host";
    // ---- inputs --------------------------------------------------------------------------
    /// The inputs name no period, and the plan needs one.
    MissingPeriod = "missing_period", "input";
    /// A period that is not `YYYY`, `YYYY-MM`, `YYYY-Qn` or `YYYY-Hn`.
    InvalidPeriod = "invalid_period", "input";
    /// A period scored pro rata by several versions has no single score table.
    SpansVersions = "spans_versions", "input";
    /// No version of the plan is in force for the period.
    NoVersionInForce = "no_version_in_force", "input";
    /// A value that is not a decimal number (`"12,5"`, `""`, NaN, ±infinity).
    InvalidNumber = "invalid_number", "input";
    /// A number outside the decimal range (about ±7.9e28, or more than 28 decimal places).
    NumberOutOfRange = "number_out_of_range", "input";
    /// A value of the wrong type (a bool where a number is needed, a list where a text is).
    InvalidType = "invalid_type", "input";
    /// A row that is not a record (not a mapping, a tuple of the wrong length).
    InvalidRow = "invalid_row", "input";
    /// A subject assigned twice.
    DuplicateSubject = "duplicate_subject", "input";
    /// Two actuals for one subject and indicator.
    DuplicateActual = "duplicate_actual", "input";
    /// Two target overrides for one subject and item.
    DuplicateTarget = "duplicate_target", "input";
    /// Two units with the same id.
    DuplicateUnit = "duplicate_unit", "input";
    /// An actual or target for a subject that is not assigned.
    UnknownSubject = "unknown_subject", "input";
    /// A unit that the org tree does not have.
    UnknownUnit = "unknown_unit", "input";
    /// Units whose parents form a circle.
    UnitCycle = "unit_cycle", "input";
    /// An item reads the subject's unit, and the subject has none.
    MissingUnit = "missing_unit", "input";
    /// A column the layout needs is absent from a table.
    MissingColumn = "missing_column", "input";
    /// Columns of one table with different lengths.
    ColumnLength = "column_length", "input";
    /// A table column of a type that cannot hold the field.
    UnsupportedColumnType = "unsupported_column_type", "input";
    /// A table or frame that could not be read.
    UnreadableTable = "unreadable_table", "input";
    /// More problems than are listed; the rest are counted.
    TooManyErrors = "too_many_errors", "input";
    // ---- records -------------------------------------------------------------------------
    /// A record value that does not fit its declared field kind.
    BadValue = "bad_value", "records";
    /// A record with a different number of cells than the header.
    WrongCellCount = "wrong_cell_count", "records";
    /// A record lacks a value the measure needs.
    MissingValue = "missing_value", "records";
    /// A record's time is absent.
    MissingTime = "missing_time", "records";
    /// Timestamps whose time zone differs from the plan's.
    TimeZoneMismatch = "time_zone_mismatch", "records";
    /// Records without the subject field, left out of a measure.
    MissingSubject = "missing_subject", "records";
    /// Records that end before they start; their negative durations are counted.
    NegativeDuration = "negative_duration", "records";
    /// Records of subjects outside the given list, left out.
    OtherSubjects = "other_subjects", "records";
    /// A period outside the dates records can be read for.
    PeriodOutOfRange = "period_out_of_range", "records";
    // ---- evaluation ----------------------------------------------------------------------
    /// A subject has no actual for an item and the missing-data policy is `error`.
    MissingActual = "missing_actual", "evaluation";
    /// Every item of a subject was excluded, so no total can be formed.
    NoItemsLeft = "no_items_left", "evaluation";
    /// A total no grade covers (possible only with adjustments or vetoes).
    NoGrade = "no_grade", "evaluation";
    /// A result exceeds the decimal range.
    ArithmeticOverflow = "arithmetic_overflow", "evaluation";
    // ---- warnings ------------------------------------------------------------------------
    /// A missing actual counted as zero, by the plan's missing-data policy.
    MissingActualZero = "missing_actual_zero", "warning";
    /// A missing actual left its item out of the total, by the plan's missing-data policy.
    MissingActualExcluded = "missing_actual_excluded", "warning";
    /// An adjustment was cut to its cap.
    AdjustmentCapped = "adjustment_capped", "warning";
    /// A veto's condition could not be evaluated (a value was missing).
    VetoNotEvaluated = "veto_not_evaluated", "warning";
    /// An achievement in percent is undefined (a zero target); the rule's fallback score was given.
    UndefinedAchievement = "undefined_achievement", "warning";
    /// An actual outside every band; the nearest band's score was given.
    OutsideBands = "outside_bands", "warning";
    /// A supplied actual replaced the value derived from records.
    SuppliedReplacesDerived = "supplied_replaces_derived", "warning";
    /// No record counted for the indicator in the period.
    DerivedNoRecords = "derived_no_records", "warning";
    /// A derived ratio's denominator was zero.
    DerivedZeroDenominator = "derived_zero_denominator", "warning";
    /// A derived growth's base was zero.
    DerivedZeroBase = "derived_zero_base", "warning";
    /// The records gave no value for the indicator.
    DerivedNoValue = "derived_no_value", "warning";
    /// A measure found no record for a subject in the period.
    NoRecords = "no_records", "warning";
    /// A measure's ratio had a zero denominator.
    ZeroDenominator = "zero_denominator", "warning";
    /// A measure's growth had a zero base.
    ZeroBase = "zero_base", "warning";
    // ---- host ----------------------------------------------------------------------------
    /// A value nested deeper than kpichain reads (128 levels of lists and objects).
    NestingTooDeep = "nesting_too_deep", "host";
    /// A list or object that contains itself.
    CyclicValue = "cyclic_value", "host";
    /// A file could not be read or written.
    IoError = "io_error", "host";
    /// A bug in kpichain, caught before it could harm the host process. Please report it.
    InternalError = "internal_error", "host";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Code {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse()
            .map_err(|_| serde::de::Error::custom(format!("unknown code '{text}'")))
    }
}

impl schemars::JsonSchema for Code {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Code".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        schemars::json_schema!({
            "type": "string",
            "description": "A stable code from kpichain's catalogue (see the README's code table).",
            "enum": names,
        })
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_and_is_described() {
        let mut seen = std::collections::HashSet::new();
        for &code in Code::ALL {
            assert!(seen.insert(code.as_str()), "{code} twice");
            assert_eq!(code.as_str().parse::<Code>(), Ok(code));
            assert!(code.description().ends_with('.'), "{code}");
        }
    }
}
