exports.test = async () => "ok";
