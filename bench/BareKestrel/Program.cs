// The baseline for the enqueue benchmark: Kestrel + minimal-API routing, answering 204 to the enqueue route once the
// body has been read, and doing nothing else. Whatever DumGum does beyond this (auth, validation, a durable SQLite
// commit) is what the ratio DumGum / bare measures.
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();

app.MapPost("/cs/v1/content_creation/conversations/enqueue", async (HttpContext http) =>
{
    var reader = http.Request.BodyReader;
    while (true)
    {
        var result = await reader.ReadAsync(http.RequestAborted);
        reader.AdvanceTo(result.Buffer.End);
        if (result.IsCompleted) break;
    }
    return Results.NoContent();
});
app.MapGet("/healthz", () => Results.Ok());

await app.RunAsync();
