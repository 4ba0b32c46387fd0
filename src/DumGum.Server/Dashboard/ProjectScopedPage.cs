using DumGum.Projects;
using Microsoft.AspNetCore.Components;

namespace DumGum.Dashboard;

/// <summary>A page about one project (<c>/dashboard/projects/{ProjectId}/…</c>): an unknown id is a 404 page, not an error.</summary>
public abstract class ProjectScopedPage : ComponentBase
{
    [CascadingParameter] public HttpContext HttpContext { get; set; } = default!;
    [Parameter] public string ProjectId { get; set; } = "";
    [Inject] public ProjectStore Projects { get; set; } = default!;

    protected Project? Project { get; set; }

    protected override void OnParametersSet()
    {
        Project = Projects.Find(ProjectId);
        if (Project is null) RespondNotFound();
    }

    /// <summary>
    /// The page shows its "not found" text with status 404. The status is set as the response starts: a component
    /// that sets 404 while rendering gets an empty body from the Razor component endpoint (.NET 10), which the status
    /// code pages then turn into a JSON problem instead of the page.
    /// </summary>
    protected void RespondNotFound() => HttpContext.Response.OnStarting(static state =>
    {
        ((HttpResponse)state).StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }, HttpContext.Response);

    /// <summary>A form value the rules refused: the page answers 400 and shows each message at its field.</summary>
    protected void Refused() => HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
}
