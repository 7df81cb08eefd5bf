using Streaming.ClickHouseSink;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddClickHouseSink();

var app = builder.Build();
app.MapServiceDefaults();
app.Run();
