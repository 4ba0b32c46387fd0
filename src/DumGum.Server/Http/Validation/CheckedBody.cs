using System.Text.Json;
using System.Text.Json.Nodes;

namespace DumGum.Http.Validation;

public static class CheckedBody
{
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
