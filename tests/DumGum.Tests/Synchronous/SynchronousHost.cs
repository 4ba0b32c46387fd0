using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using DumGum.Tests.Infrastructure;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace DumGum.Tests.Synchronous;

/// <summary>
/// A server with one project wired to a <see cref="FakeCustomer"/> that the synchronous endpoints must never call.
/// With a <see cref="FakeChatClient"/>, that client replaces the model pipeline.
/// </summary>
public class SynchronousFixture : IAsyncLifetime
{
    public const string GeneratePath = "/cs/v1/content_creation/conversations/generate";
    public const string SuggestionPath = "/cs/v1/content_creation/suggestion";

    readonly FakeChatClient? model;
    readonly TimeProvider? clock;

    public SynchronousFixture() : this(null) { }

    protected SynchronousFixture(FakeChatClient? model, TimeProvider? clock = null)
    {
        this.model = model;
        this.clock = clock;
    }

    public DumGumHost Host { get; private set; } = null!;
    public FakeCustomer Customer { get; private set; } = null!;
    public DumGumHost.TestProject Project { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Customer = await FakeCustomer.StartAsync();
        Host = DumGumHost.Start(services: s =>
        {
            if (model is not null) s.AddSingleton<IChatClient>(model);
            if (clock is not null) s.AddSingleton(clock);
        });
        Project = await Host.CreateProjectAsync(Customer);
    }

    public async ValueTask DisposeAsync()
    {
        if (Host is not null) await Host.DisposeAsync();
        if (Customer is not null) await Customer.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    public Task<HttpResponseMessage> PostAsync(string path, JsonNode body, string? key = "", string contentType = "application/json") =>
        PostRawAsync(path, body.ToJsonString(), key, contentType);

    /// <summary>Posts with the project's key (<paramref name="key"/> empty), another key, or none (null).</summary>
    public Task<HttpResponseMessage> PostRawAsync(string path, string body, string? key = "", string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var bearer = key == "" ? Project.Key : key;
        if (bearer is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return Host.Http.SendAsync(request, TestContext.Current.CancellationToken);
    }

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>The synchronous endpoints never call the customer and never send an event.</summary>
    public async Task AssertCustomerUntouchedAsync()
    {
        await Host.WaitQuietAsync();     // no run pending and no event waiting: anything asynchronous has shown by now
        Assert.True(Customer.Calls.IsEmpty, "the customer was called: " + string.Join(", ", Customer.Calls.Select(c => c.Path)));
        Assert.Empty(Customer.Attempts);
    }
}

/// <summary>The server with a scripted model instead of the offline engine.</summary>
public sealed class ScriptedModelFixture() : SynchronousFixture(new FakeChatClient { ServedModel = _ => "scripted-1" })
{
    public FakeChatClient Model => (FakeChatClient)Host.Services.GetRequiredService<IChatClient>();
}
