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
        if (Project is null) HttpContext.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    /// <summary>A form value the rules refused: the page answers 400 and shows each message at its field.</summary>
    protected void Refused() => HttpContext.Response.StatusCode = StatusCodes.Status400BadRequest;
}
