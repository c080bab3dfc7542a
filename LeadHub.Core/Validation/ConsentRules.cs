using System.Text.Json.Nodes;
using LeadHub.Core.Workspace;

namespace LeadHub.Core.Validation;

// A campaign's consent requirement (CampaignConfig.Consent) checked on a lead's validated fields:
// the evidence is any field of the consent types that passed validation. A missing piece is an
// error under `consent`, which the publisher's answer codes as `consent_missing` (not `invalid_field`).
public static class ConsentRules
{
    public const string ErrorKey = "consent";
    public const string ReasonCode = "consent_missing";

    public const string TrustedFormMissing = "a TrustedForm certificate is required",
        JornayaMissing = "a Jornaya LeadiD token is required",
        EitherMissing = "a TrustedForm certificate or a Jornaya LeadiD token is required",
        TextMissing = "the consent text the person agreed to is required";

    private static readonly HashSet<string> Messages = [TrustedFormMissing, JornayaMissing, EitherMissing, TextMissing];

    public static LeadValidationResult Apply(CampaignConfig campaign, LeadValidationResult validation)
    {
        if (campaign.Consent is not { } consent) return validation;
        var missing = Missing(campaign, consent, validation.Fields, validation.Errors);
        return missing.Count == 0 ? validation : validation.WithErrors(new Dictionary<string, string[]> { [ErrorKey] = [.. missing] });
    }

    // A field sent but invalid is reported as invalid (`invalid_field`), not as missing as well.
    public static List<string> Missing(CampaignConfig campaign, ConsentConfig consent, JsonObject fields,
        IReadOnlyDictionary<string, string[]>? errors = null)
    {
        bool Has(string type) => campaign.Fields.Any(f => f.Type == type && (fields.ContainsKey(f.Name) || errors?.ContainsKey(f.Name) == true));
        var missing = new List<string>();
        var certificate = consent.Certificate switch
        {
            ConsentCertificates.TrustedForm when !Has(FieldTypes.TrustedForm) => TrustedFormMissing,
            ConsentCertificates.Jornaya when !Has(FieldTypes.Jornaya) => JornayaMissing,
            ConsentCertificates.Either when !Has(FieldTypes.TrustedForm) && !Has(FieldTypes.Jornaya) => EitherMissing,
            _ => null,
        };
        if (certificate is not null) missing.Add(certificate);
        if (consent.RequireText && !Has(FieldTypes.ConsentText)) missing.Add(TextMissing);
        return missing;
    }

    // Whether a lead's errors (as stored, so a replayed answer says the same) are a missing consent.
    public static bool IsMissingConsent(IReadOnlyDictionary<string, string[]> errors) =>
        errors.TryGetValue(ErrorKey, out var messages) && messages.Any(Messages.Contains);

    // What the workspace must define for the requirement to be satisfiable at all.
    public static IEnumerable<string> Check(CampaignConfig campaign)
    {
        if (campaign.Consent is not { } consent) yield break;
        if (!ConsentCertificates.All.Contains(consent.Certificate))
        {
            yield return $"certificate: choose one of {string.Join(", ", ConsentCertificates.All)}";
            yield break;
        }
        bool Defines(string type) => campaign.Fields.Any(f => f.Type == type);
        if (consent.Certificate is ConsentCertificates.TrustedForm or ConsentCertificates.Either && !Defines(FieldTypes.TrustedForm)
            && (consent.Certificate != ConsentCertificates.Either || !Defines(FieldTypes.Jornaya)))
            yield return consent.Certificate == ConsentCertificates.Either
                ? "certificate: the campaign needs a field of type 'trustedform' or 'jornaya' to carry it"
                : "certificate: the campaign needs a field of type 'trustedform' to carry it";
        if (consent.Certificate == ConsentCertificates.Jornaya && !Defines(FieldTypes.Jornaya))
            yield return "certificate: the campaign needs a field of type 'jornaya' to carry it";
        if (consent.RequireText && !Defines(FieldTypes.ConsentText))
            yield return "requireText: the campaign needs a field of type 'consent_text' to carry it";
    }
}
