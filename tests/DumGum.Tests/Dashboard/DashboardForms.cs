using System.Net;
using System.Text.RegularExpressions;
using DumGum.Tests.Infrastructure;

namespace DumGum.Tests.Dashboard;

/// <summary>The dashboard spoken to as a browser without JavaScript would: cookies, a form's hidden fields, a POST.</summary>
public sealed partial class DashboardForms : IDisposable
{
    readonly HttpClient http;

    public DashboardForms(Uri baseAddress)
    {
        Cookies = new CookieContainer();
        http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress };
    }

    public CookieContainer Cookies { get; }

    public Task<HttpResponseMessage> GetAsync(string path) => http.GetAsync(path, TestContext.Current.CancellationToken);

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => http.SendAsync(request, TestContext.Current.CancellationToken);

    /// <summary>The antiforgery token of the first form on the page at <paramref name="path"/>.</summary>
    public async Task<string> FormTokenAsync(string path)
    {
        using var response = await GetAsync(path);
        var html = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return TokenPattern().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value)
            : throw new InvalidOperationException($"no antiforgery token on {path} ({(int)response.StatusCode}): {html}");
    }

    public Task<HttpResponseMessage> PostFormAsync(string path, IEnumerable<KeyValuePair<string, string>> fields) =>
        http.PostAsync(path, new FormUrlEncodedContent(fields), TestContext.Current.CancellationToken);

    public async Task<HttpResponseMessage> SignInAsync(string token = DumGumHost.AdminToken)
    {
        var antiforgery = await FormTokenAsync("/dashboard/sign-in");
        return await PostFormAsync("/dashboard/sign-in", [
            new("_handler", "sign-in"), new("__RequestVerificationToken", antiforgery), new("Token", token), new("Return", "/dashboard"),
        ]);
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
