using DumGum.Replies;

namespace DumGum.Guardrails;

/// <summary>
/// Whether a user's message is in a language the conversation expects (<c>language</c> or <c>additionalLanguages</c>),
/// for the <c>unknownLanguage</c> guardrail. Null means "cannot tell", and the guardrail is skipped.
/// </summary>
public sealed class UserLanguageCheck
{
    // TODO(issue 3): wire the Lingua detector once the model checks land; until then the guardrail cannot fire.
    public Func<string, bool>? ExpectedLanguageCheck(ReplyContext context)
    {
        _ = context;
        return null;
    }
}
