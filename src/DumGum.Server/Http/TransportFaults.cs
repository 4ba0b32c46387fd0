using Microsoft.AspNetCore.Diagnostics;

namespace DumGum.Http;

/// <summary>
/// Request bodies that arrive too slowly, are cut short or are aborted are the client's doing, not a server error
/// (docs/behaviour.md, "Slow and broken request bodies"). Endpoints that read JSON handle them in <see cref="JsonBody"/>;
/// anything else that reads a body (form posts) meets them here: Kestrel's own status (408, 400, 413) instead of 500,
/// one Information line without a stack trace instead of an Error.
/// </summary>
public static class TransportFaults
{
    public static IServiceCollection AddQuietTransportFaults(this IServiceCollection services) =>
        services.Configure<ExceptionHandlerOptions>(o =>
        {
            o.StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            o.SuppressDiagnosticsCallback = context =>
            {
                if (!IsTransportFault(context.Exception, context.HttpContext)) return false;
                // Suppressed diagnostics include the handler's own Error entry; say it once, quietly, here.
                context.HttpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger(typeof(TransportFaults).FullName!)
                    .LogInformation("Request {Method} {Path}: body not read: {Reason}", context.HttpContext.Request.Method,
                        context.HttpContext.Request.Path, context.Exception.Message);
                return true;
            };
        });

    static bool IsTransportFault(Exception ex, HttpContext http) =>
        ex is BadHttpRequestException
        || (ex is IOException or OperationCanceledException && http.RequestAborted.IsCancellationRequested);
}
