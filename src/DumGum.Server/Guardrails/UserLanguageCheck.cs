using DumGum.Replies;
using DumGum.Replies.Checks;

namespace DumGum.Guardrails;

/// <summary>
/// Whether a user's message is in a language the conversation expects (<c>language</c> or <c>additionalLanguages</c>),
/// for the <c>unknownLanguage</c> guardrail. "Cannot tell" (too short, or the detector unavailable) counts as expected.
/// </summary>
public sealed class UserLanguageCheck(LanguageDetector detector)
{
    public Func<string, bool> ExpectedLanguageCheck(ReplyContext context)
    {
        string[] languages = [context.Language, .. context.AdditionalLanguages];
        return text => detector.Matches(text, languages) ?? true;
    }
}
