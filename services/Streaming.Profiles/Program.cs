using Streaming.Profiles;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddProfiles();

var app = builder.Build();
app.MapServiceDefaults();
app.MapProfileEndpoints();
app.Run();
