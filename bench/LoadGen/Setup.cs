using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace LoadGen;

/// <summary>Creates the bench project (customer endpoints, a rate limit out of the way) and an access key.</summary>
static class Setup
{
    public static async Task<string> RunAsync(Uri admin, string token, string customer, string name)
    {
        using var http = new HttpClient { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        customer = customer.TrimEnd('/');
        var created = await Expect(await http.PostAsJsonAsync("admin/v1/projects", new
        {
            name,
            profileEndpointUrl = customer + "/profile",
            chatHistoryEndpointUrl = customer + "/history",
            incomingContentEndpointUrl = customer + "/incoming",
        }));
        var id = (string)created["id"]!;
        await Expect(await http.PatchAsJsonAsync($"admin/v1/projects/{id}",
            new { rateLimit = new { requestsPerSecond = 1_000_000, burst = 10_000_000 } }));
        var key = await Expect(await http.PostAsJsonAsync($"admin/v1/projects/{id}/access-keys", new { name = "bench" }));
        return (string)key["key"]!;
    }

    static async Task<JsonObject> Expect(HttpResponseMessage response)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {text}");
            return JsonNode.Parse(text)!.AsObject();
        }
    }
}
