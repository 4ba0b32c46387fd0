using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;

namespace DumGum.Http;

/// <summary>
/// A 200 with a JSON body that is already written: answers and suggestions are built as JSON nodes, byte for byte as
/// the events carry them, not serialized from a type. <typeparamref name="TDocument"/> is only the shape the OpenAPI
/// document shows for the body, so a handler's return type documents its response.
/// </summary>
public sealed class JsonText<TDocument>(string json) : IResult, IEndpointMetadataProvider
{
    public Task ExecuteAsync(HttpContext httpContext) =>
        Results.Text(json, "application/json; charset=utf-8").ExecuteAsync(httpContext);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000", Justification = "IEndpointMetadataProvider's member is static by design.")]
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(TDocument), ["application/json"]));
    }
}
