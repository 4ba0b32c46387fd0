using System.Security.Claims;
using DumGum.Admin;
using DumGum.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;

namespace DumGum.Dashboard;

/// <summary>
/// The operator's dashboard at <c>/dashboard</c>: Razor components rendered on the server (no circuit, no frontend
/// build), a session cookie obtained with the admin token, antiforgery on every form, and strict headers
/// (docs/dashboard.md).
/// </summary>
public static class DashboardHosting
{
    public const string Scheme = "DumGumDashboard";
    public const string Policy = "Dashboard";
    public const string CookieName = "dumgum_session";
    public const string AntiforgeryHeader = "RequestVerificationToken";

    /// <summary>A session lives this long after its last request.</summary>
    public static readonly TimeSpan SessionIdle = TimeSpan.FromHours(8);

    public static void AddDashboard(this IServiceCollection services)
    {
        services.AddRazorComponents();
        services.AddAntiforgery(o =>
        {
            o.HeaderName = AntiforgeryHeader;
            o.Cookie.Name = "dumgum_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
        });
        // Sessions survive restarts and work on every node: the data-protection keys live in the database.
        services.AddDataProtection().SetApplicationName("DumGum");
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>>(sp =>
            new Microsoft.Extensions.Options.ConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>(
                o => o.XmlRepository = new DatabaseKeyRepository(sp.GetRequiredService<Database>())));
        services.AddAuthentication().AddCookie(Scheme, o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.Cookie.Path = "/dashboard";
            o.ExpireTimeSpan = SessionIdle;
            o.SlidingExpiration = true;
            o.LoginPath = "/dashboard/sign-in";
            o.LogoutPath = "/dashboard/sign-out";
            o.AccessDeniedPath = "/dashboard/sign-in";
            o.Events.OnRedirectToLogin = context =>
            {
                // Scripts get a status they can act on; people get the sign-in page.
                if (context.Request.Path.StartsWithSegments("/dashboard/api")) context.Response.StatusCode = 401;
                else context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
            // A session signed in with an admin token that is no longer the token is over.
            o.Events.OnValidatePrincipal = context =>
            {
                var auth = context.HttpContext.RequestServices.GetRequiredService<AdminAuth>();
                if (context.Principal?.FindFirstValue(TokenClaim) != auth.Fingerprint) context.RejectPrincipal();
                return Task.CompletedTask;
            };
        });
        services.AddAuthorizationBuilder().AddPolicy(Policy, p => p.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser());
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<ReplyParameterForm>();
    }

    /// <summary>The claim that ties a session to the admin token it was opened with (a fingerprint, never the token).</summary>
    public const string TokenClaim = "dumgum:admin-token";

    public static ClaimsPrincipal Principal(AdminAuth auth) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator"), new Claim(TokenClaim, auth.Fingerprint)], Scheme));

    public static void MapDashboard(this WebApplication app)
    {
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/dashboard"), branch => branch.Use(SecurityHeaders));
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().RequireAuthorization(Policy);
        app.MapGet("/dashboard/go/{page}", GoToProjectPage).RequireAuthorization(Policy).ExcludeFromDescription();
        app.MapGet("/dashboard/projects/{projectId}/usage.csv", UsageRange.Csv).RequireAuthorization(Policy).ExcludeFromDescription();
        app.MapPost("/dashboard/sign-out", (Delegate)SignOutAsync).RequireAuthorization(Policy).ExcludeFromDescription();
        var api = app.MapGroup("/dashboard/api").RequireAuthorization(Policy).ExcludeFromDescription();
        api.AddEndpointFilter(async (context, next) =>
        {
            // Scripts send JSON, which the antiforgery middleware does not check by itself: every change needs the token.
            var http = context.HttpContext;
            if (!HttpMethods.IsGet(http.Request.Method) && !HttpMethods.IsHead(http.Request.Method))
            {
                try { await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http); }
                catch (AntiforgeryValidationException)
                {
                    return Http.Problem.Field(AntiforgeryHeader, "is missing or not valid for this session; reload the page");
                }
            }
            return await next(context);
        });
        DashboardApi.Map(api);
    }

    /// <summary>
    /// Every dashboard response: scripts and styles only from our own files, no framing, no referrer, and pages are
    /// never cached (several show secrets).
    /// </summary>
    static Task SecurityHeaders(HttpContext context, RequestDelegate next)
    {
        var h = context.Response.Headers;
        h.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; " +
                                  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
        h.XFrameOptions = "DENY";
        h.XContentTypeOptions = "nosniff";
        h["Referrer-Policy"] = "no-referrer";
        if (!context.Request.Path.StartsWithSegments("/dashboard/assets"))
        {
            // The exact values antiforgery sets itself, so it has nothing to override (and nothing to warn about).
            h.CacheControl = "no-cache, no-store";
            h.Pragma = "no-cache";
        }
        if (context.Request.Path.StartsWithSegments("/dashboard/projects", out var rest)
            && rest.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries) is [var projectId, ..] && projectId.StartsWith("proj_", StringComparison.Ordinal))
            context.Response.Cookies.Append(DashboardNav.ProjectCookie, projectId, new CookieOptions
            {
                Path = "/dashboard", HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps,
            });
        return next(context);
    }

    /// <summary>Nav links that need a project go to the one viewed last (remembered in a cookie), else the first.</summary>
    static IResult GoToProjectPage(string page, HttpContext http, Projects.ProjectStore projects)
    {
        if (!DashboardNav.ProjectPages.Contains(page)) return Results.NotFound();
        var remembered = http.Request.Cookies[DashboardNav.ProjectCookie];
        var all = projects.All();
        var project = (remembered is null ? null : projects.Find(remembered)) ?? (all.Count > 0 ? all[0] : null);
        return Results.Redirect(project is null ? "/dashboard?need=project" : $"/dashboard/projects/{project.Id}/{page}");
    }

    static async Task<IResult> SignOutAsync(HttpContext http, IAntiforgery antiforgery)
    {
        // The antiforgery middleware only records its verdict; an endpoint without form parameters must act on it.
        if (!await antiforgery.IsRequestValidAsync(http))
            return Http.Problem.Field("__RequestVerificationToken", "is missing or not valid for this session; reload the page");
        await http.SignOutAsync(Scheme);
        return Results.Redirect("/dashboard/sign-in?signedOut=1");
    }
}
