using System.Text.Json;
using System.Text.Json.Nodes;

namespace DumGum.Http.Validation;

/// <summary>A request schema's check: the typed request, or null with the errors naming each field and rule.</summary>
public delegate T? BodySchema<T>(JsonElement body, out JsonRule.Errors errors) where T : class;

public static class CheckedBody
{
    /// <summary>
    /// Reads a JSON body of at most <paramref name="maxBytes"/> and checks it with <paramref name="schema"/>: the typed
    /// request, or the problem to answer (malformed JSON, too large, wrong media type, or the schema's errors).
    /// </summary>
    public static async Task<(T? Request, Problem? Problem)> ReadAsync<T>(HttpContext http, int maxBytes, BodySchema<T> schema)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(schema);
        var (document, problem) = await JsonBody.ReadAsync(http.Request, maxBytes, http.RequestAborted);
        if (problem is not null) return (null, problem);
        using (document)
        {
            var request = schema(document!.RootElement, out var errors);
            return request is null ? (null, Problem.Validation(errors)) : (request, null);
        }
    }

    /// <summary>Reads and checks a JSON body: the checked (possibly normalised) object, or the problem to answer.</summary>
    public static async Task<(JsonObject? Body, Problem? Problem)> ReadAsync(HttpContext http, ObjectRule rule)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(rule);
        var (document, problem) = await JsonBody.ReadAsync(http.Request, 256 * 1024, http.RequestAborted);
        if (problem is not null) return (null, problem);
        using (document)
        {
            var errors = new JsonRule.Errors();
            if (document!.RootElement.ValueKind != JsonValueKind.Object)
                return (null, Problem.Field("$", "the body must be a JSON object"));
            var body = (JsonObject)rule.Check(document.RootElement, "", errors)!;
            return errors.Count > 0 ? (null, Problem.Validation(errors)) : (body, null);
        }
    }
}
