// Browser entries: a fleet's shared quota (redisQuotaStore, js/quota-store.js) runs on servers.
function serverOnly() {}
