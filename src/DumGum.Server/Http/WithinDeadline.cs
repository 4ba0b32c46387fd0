using Microsoft.AspNetCore.Http.HttpResults;

namespace DumGum.Http;

/// <summary>
/// The work of a synchronous endpoint (generate, suggestion) under its deadline, answered the same way everywhere
/// (docs/behaviour.md, "Synchronous endpoints"): the JSON it wrote; nothing when the caller has gone; the endpoint's 504
/// when the deadline passed; its 502 when the work failed in a way it can name.
/// </summary>
public static class WithinDeadline
{
    /// <param name="limit">How long the work may take, on <paramref name="clock"/>.</param>
    /// <param name="work">Writes the response's JSON text, stopping when the token is cancelled.</param>
    /// <param name="timedOut">The 504 to answer when <paramref name="limit"/> passed first.</param>
    /// <param name="failed">The 502 for a failure of the work, or null to let the exception through.</param>
    public static async Task<Results<JsonText<TDocument>, Problem, EmptyHttpResult>> RespondAsync<TDocument>(HttpContext http,
        TimeSpan limit, TimeProvider clock, Func<CancellationToken, Task<string>> work, Func<Problem> timedOut,
        Func<Exception, Problem?> failed)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(timedOut);
        ArgumentNullException.ThrowIfNull(failed);
        using var timeout = new CancellationTokenSource(limit, clock);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, timeout.Token);
        try
        {
            return new JsonText<TDocument>(await work(deadline.Token));
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Empty;   // the caller is gone
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return timedOut();
        }
        catch (Exception ex)
        {
            if (failed(ex) is { } problem) return problem;
            throw;
        }
    }
}
