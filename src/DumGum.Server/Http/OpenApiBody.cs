using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace DumGum.Http;

public static class OpenApiBody
{
    /// <summary>
    /// Describes a JSON request body in the OpenAPI document only. <c>Accepts&lt;T&gt;</c> would also make routing
    /// refuse other content types with a bare 415 before our handler can answer with its own problem.
    /// </summary>
    public static RouteHandlerBuilder DocumentsJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema } },
            };
        });
}
