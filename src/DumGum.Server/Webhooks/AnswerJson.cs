using System.Text.Json.Nodes;

namespace DumGum.Webhooks;

/// <summary>
/// An <see cref="Answer"/> as a JSON object, exactly as <c>answer.created</c> carries it in <c>data.answer</c> (every
/// field, nulls included, <c>replyMode</c> compat field, no <c>projectId</c>). It is taken from
/// <see cref="Events.Created"/> itself, so the synchronous endpoints can never drift from the webhook shape.
/// </summary>
public static class AnswerJson
{
    public static JsonObject From(Answer answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        var envelope = JsonNode.Parse(Events.Created("", answer))!.AsObject();
        var data = envelope["data"]!.AsObject();
        var result = data["answer"]!.AsObject();
        data.Remove("answer");      // detach, so the object can be placed in another document
        return result;
    }

    public static JsonArray From(IEnumerable<Answer> answers) => new(answers.Select(a => (JsonNode?)From(a)).ToArray());
}
