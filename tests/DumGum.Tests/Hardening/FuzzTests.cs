using System.Globalization;
using System.Net.Http.Headers;
using CsCheck;
using DumGum.Fuzzing;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Hardening;

/// <summary>
/// Issue 9, point 10 (short run; bench/Fuzz is the long one): bodies generated from the schemas of enqueue, generate,
/// suggestion and the admin project create and patch, then mutated. No response is ≥ 500, and a rejected request
/// stores nothing: no enqueue, no project, no change to the patched project.
/// </summary>
public sealed class FuzzTests
{
    const int BodiesPerEndpoint = 300;

    static CancellationToken Token => TestContext.Current.CancellationToken;

    public static TheoryData<string> Endpoints => [.. BodyFuzzer.Endpoints];

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Fuzzed_bodies_get_no_5xx_and_a_rejected_one_stores_nothing(string endpoint)
    {
        await using var customer = await FakeCustomer.StartAsync();
        // Runs of accepted enqueues wait on the history until their deadline, so they neither finish nor load the machine.
        customer.HistoryHook = async http =>
        {
            try { await Task.Delay(Timeout.Infinite, http.RequestAborted); } catch (OperationCanceledException) { }
            return 503;
        };
        await using var host = DumGumHost.Start();
        var project = await host.CreateProjectAsync(customer);
        var statuses = new Dictionary<int, int>();

        await BodyFuzzer.Bodies(endpoint).SampleAsync(async body =>
        {
            var before = Snapshot(host, endpoint, project.Id);
            var path = BodyFuzzer.Path(endpoint).Replace("{project}", project.Id, StringComparison.Ordinal);
            using var request = new HttpRequestMessage(new HttpMethod(BodyFuzzer.Method(endpoint)), path) { Content = new ByteArrayContent(body.Bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", BodyFuzzer.IsAdmin(endpoint) ? DumGumHost.AdminToken : project.Key);
            using var response = await host.Http.SendAsync(request, Token);
            var status = (int)response.StatusCode;
            lock (statuses) statuses[status] = statuses.GetValueOrDefault(status) + 1;
            Assert.True(status < 500, $"{status} for {body}: {await response.Content.ReadAsStringAsync(Token)}");
            if (status >= 300)
            {
                var after = Snapshot(host, endpoint, project.Id);
                // Enqueues only ever leave the table (served); anything else must be exactly as before.
                if (endpoint == BodyFuzzer.Enqueue) Assert.True(long.Parse(after, CultureInfo.InvariantCulture) <= long.Parse(before, CultureInfo.InvariantCulture), $"queued by a {status}: {body}");
                else Assert.True(before == after, $"stored by a {status}: {body}");
            }
        }, iter: BodiesPerEndpoint, threads: 1, print: b => b.ToString());

        TestContext.Current.SendDiagnosticMessage($"{endpoint}: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        // The generator reaches both sides of the rules.
        Assert.Contains(statuses.Keys, s => s == 400);
        Assert.Contains(statuses.Keys, s => s < 300);
    }

    /// <summary>Found by the long run: a host Uri parses but cannot convert to punycode was a 500.</summary>
    [Fact]
    public async Task A_URL_whose_host_is_not_a_valid_IDN_is_a_400()
    {
        await using var customer = await FakeCustomer.StartAsync();
        await using var host = DumGumHost.Start();
        using var response = await host.Http.SendAsync(DumGumHost.Admin(HttpMethod.Post, "/admin/v1/projects", new
        {
            name = "idn", profileEndpointUrl = "https://bücher.exampl-/p", chatHistoryEndpointUrl = customer.HistoryUrl,
            incomingContentEndpointUrl = customer.IncomingUrl,
        }), Token);
        var problem = await Api.ProblemAssert.ReadAsync(response, System.Net.HttpStatusCode.BadRequest);
        Assert.Contains("internationalised", Api.ProblemAssert.Messages(problem, "profileEndpointUrl")[0], StringComparison.Ordinal);
    }

    /// <summary>What a rejected request must not change, as text.</summary>
    static string Snapshot(DumGumHost host, string endpoint, string projectId)
    {
        using var connection = host.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = endpoint switch
        {
            BodyFuzzer.Enqueue => "SELECT COUNT(*) FROM enqueues",
            BodyFuzzer.CreateProject => "SELECT COUNT(*) FROM projects",
            BodyFuzzer.PatchProject => "SELECT name || '|' || config || '|' || webhook_secret FROM projects WHERE id = @id",
            _ => "SELECT COUNT(*) FROM enqueues",
        };
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@id";
        parameter.Value = projectId;
        command.Parameters.Add(parameter);
        return Convert.ToString(command.ExecuteScalar(), CultureInfo.InvariantCulture) ?? "";
    }
}
